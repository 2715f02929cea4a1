namespace PerfSim.IO.Config;

/// <summary>A configuration file (or a request for one) is invalid. Carries every error found, not just the first.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(IReadOnlyList<ConfigError> errors)
        : base(Format(errors))
    {
        if (errors.Count == 0)
        {
            throw new ArgumentException("A ConfigException needs at least one error.", nameof(errors));
        }
        Errors = errors;
    }

    public ConfigException(ConfigError error)
        : this([error])
    {
    }

    public IReadOnlyList<ConfigError> Errors { get; }

    private static string Format(IReadOnlyList<ConfigError> errors)
    {
        if (errors.Count == 1)
        {
            return errors[0].ToString();
        }
        return $"{errors.Count} errors:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors);
    }
}
