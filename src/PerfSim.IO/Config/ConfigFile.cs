namespace PerfSim.IO.Config;

/// <summary>Reads configuration files as UTF-8 bytes, turning I/O failures into <see cref="ConfigException"/>.</summary>
internal static class ConfigFile
{
    public static byte[] ReadUtf8(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(new ConfigError(path, null, null, "cannot read the file: " + e.Message));
        }
    }

    public static byte[] StripBom(byte[] utf8) =>
        utf8.Length >= 3 && utf8[0] == 0xEF && utf8[1] == 0xBB && utf8[2] == 0xBF ? utf8[3..] : utf8;
}
