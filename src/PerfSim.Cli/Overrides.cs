using System.Globalization;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.IO.Config;

namespace PerfSim.Cli;

/// <summary>
/// <c>--set key=value</c> overrides of machine parameters and kernel path lengths, by their documented keys
/// (optionally prefixed <c>machine.</c> or <c>kernel.</c>). Parsed and checked once, applied to each profile.
/// </summary>
public sealed class Overrides
{
    private readonly List<(MachineParam Param, long Value)> _machine = new();
    private readonly List<(KernelPath Path, long Value)> _kernel = new();
    private readonly List<(PerfSim.Core.Workloads.ProcessShapeParam Param, int Value)> _process = new();

    public IReadOnlyList<string> Raw { get; }

    private Overrides(IReadOnlyList<string> raw) => Raw = raw;

    public static Overrides Parse(IReadOnlyList<string> items)
    {
        var o = new Overrides(items);
        var errors = new List<string>();
        foreach (var item in items)
        {
            var eq = item.IndexOf('=');
            if (eq <= 0)
            {
                errors.Add($"--set '{item}': expected key=value");
                continue;
            }
            var key = item[..eq].Trim();
            var text = item[(eq + 1)..].Trim();
            var bare = key.StartsWith("machine.", StringComparison.Ordinal) ? key["machine.".Length..]
                : key.StartsWith("kernel.", StringComparison.Ordinal) ? key["kernel.".Length..] : key;
            var wantMachine = !key.StartsWith("kernel.", StringComparison.Ordinal);
            var wantKernel = !key.StartsWith("machine.", StringComparison.Ordinal);
            ParamDef def;
            if (key.StartsWith("process.", StringComparison.Ordinal))
            {
                var pp = PerfSim.Core.Workloads.ProcessShapeParams.Find(key["process.".Length..]);
                if (pp is null)
                {
                    errors.Add($"--set: unknown key '{key}'{KeySuggester.Hint(key, PerfSim.Core.Workloads.ProcessShapeParams.All.Select(x => "process." + x.Key))} (see 'perfsim list params')");
                }
                else if (TryValue(key, text, new ParamDef(pp.Key, ParamUnit.Count, pp.Min, pp.Max, pp.Description), errors, out var pv))
                {
                    o._process.Add((pp, (int)pv));
                }
                continue;
            }
            if (wantMachine && MachineParams.TryFind(bare, out var mp))
            {
                def = MachineParams.Defs[(int)mp];
                if (TryValue(key, text, def, errors, out var v))
                {
                    o._machine.Add((mp, v));
                }
            }
            else if (wantKernel && KernelPaths.TryFind(bare, out var kp))
            {
                def = KernelPaths.Defs[(int)kp];
                if (TryValue(key, text, def, errors, out var v))
                {
                    o._kernel.Add((kp, v));
                }
            }
            else
            {
                var all = MachineParams.Defs.Select(d => d.Key).Concat(KernelPaths.Defs.Select(d => d.Key));
                errors.Add($"--set: unknown key '{key}'{KeySuggester.Hint(bare, all)} (see 'perfsim list params')");
            }
        }
        if (errors.Count > 0)
        {
            throw new UsageException(string.Join(Environment.NewLine, errors));
        }
        return o;
    }

    private static bool TryValue(string key, string text, ParamDef def, List<string> errors, out long value)
    {
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
        {
            errors.Add($"--set {key}: '{text}' is not an integer ({def.Unit.Key()})");
            return false;
        }
        if (value < def.Min || value > def.Max)
        {
            errors.Add($"--set {key}: {value} is outside [{def.Min}, {def.Max}] {def.Unit.Key()}");
            return false;
        }
        return true;
    }

    public MachineProfile Apply(MachineProfile m)
    {
        foreach (var (p, v) in _machine)
        {
            m = m.With(p, v, "override: --set on the command line");
        }
        return m;
    }

    public PerfSim.Core.Workloads.ProcessShape Apply(PerfSim.Core.Workloads.ProcessShape s)
    {
        foreach (var (p, v) in _process)
        {
            s = p.Set(s, v);
        }
        var problems = PerfSim.Core.Workloads.ProcessShapeParams.Problems(s);
        if (problems.Count > 0)
        {
            throw new UsageException(string.Join(Environment.NewLine, problems));
        }
        return s;
    }

    public KernelProfile Apply(KernelProfile k)
    {
        foreach (var (p, v) in _kernel)
        {
            k = k.With(p, v, "override: --set on the command line");
        }
        return k;
    }
}
