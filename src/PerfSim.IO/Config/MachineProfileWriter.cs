using System.Text;
using System.Text.Json;
using PerfSim.Core.Machine;

namespace PerfSim.IO.Config;

/// <summary>Writes a machine profile in the exact format <see cref="MachineProfileLoader"/> reads.</summary>
public static class MachineProfileWriter
{
    public static string Render(MachineProfile m)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("name", m.Name);
            w.WriteString("description", m.Description);
            w.WriteString("default_kernel", m.DefaultKernel);
            w.WriteStartObject("params");
            for (var i = 0; i < MachineParams.Count; i++)
            {
                var d = MachineParams.Defs[i];
                w.WriteStartObject(d.Key);
                w.WriteNumber(d.Unit.Key(), m[(MachineParam)i]);
                w.WriteString("source", m.SourceOf((MachineParam)i));
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()).Replace("\r\n", "\n") + "\n";
    }
}
