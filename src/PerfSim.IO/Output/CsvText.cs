using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace PerfSim.IO.Output;

/// <summary>Renders a <see cref="ResultTable"/> as CSV text: InvariantCulture, "\n" line endings, RFC 4180 quoting.</summary>
public static class CsvText
{
    private static readonly CsvConfiguration Config = new(CultureInfo.InvariantCulture) { NewLine = "\n" };

    public static string Write(ResultTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        using var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        using (var csv = new CsvWriter(text, Config, leaveOpen: true))
        {
            WriteRecord(csv, table.Columns);
            foreach (var row in table.Rows)
            {
                if (row.Count != table.Columns.Count)
                {
                    throw new ArgumentException($"A row has {row.Count} cells; the table has {table.Columns.Count} columns.");
                }
                WriteRecord(csv, row);
            }
        }
        return text.ToString();
    }

    private static void WriteRecord(CsvWriter csv, IReadOnlyList<string> cells)
    {
        foreach (var cell in cells)
        {
            csv.WriteField(cell);
        }
        csv.NextRecord();
    }
}
