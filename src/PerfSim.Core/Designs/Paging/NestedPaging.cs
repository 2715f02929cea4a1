using PerfSim.Core.Machine;

namespace PerfSim.Core.Designs.Paging;

/// <summary>
/// Nested paging (EPT/NPT): the guest writes its own tables and loads CR3 with no exit; the hardware walks
/// the guest table and, for every guest reference, the host table, so each TLB miss is a 2D walk.
/// </summary>
public sealed class NestedPaging(MachineModel machine) : NativePaging(machine)
{
    protected override bool NestedWalks => true;
}
