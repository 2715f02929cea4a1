namespace PerfSim.Core.Kernel;

/// <summary>Why the kernel asks the scheduler where a task goes.</summary>
public enum PlaceReason
{
    /// <summary>try_to_wake_up: a sleeping task was woken.</summary>
    Wake,
    /// <summary>wake_up_new_task: fork created it.</summary>
    Fork,
}
