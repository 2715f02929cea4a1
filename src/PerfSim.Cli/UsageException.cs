namespace PerfSim.Cli;

/// <summary>Invalid input on the command line (an unknown name, a bad value): exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
