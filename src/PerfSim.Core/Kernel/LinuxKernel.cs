using PerfSim.Core.Platform;
using PerfSim.Core.Stats;
using PerfSim.Core.Trace;

namespace PerfSim.Core.Kernel;

/// <summary>
/// A Linux 2.4/2.6 i386-like guest kernel (paths per interfaces.md section 4). It applies trace events to
/// real processes, address spaces and page tables, and says what it does through <see cref="IPlatform"/>.
/// It never charges cycles.
/// </summary>
public sealed partial class LinuxKernel
{
    /// <summary>The x86 page-fault vector (#PF).</summary>
    public const int PageFaultVector = 14;

    private const long PageSize = 4096;
    private const int SigSegv = 11;

    private readonly KernelProfile _profile;
    private readonly IPlatform _p;
    private readonly RunStats _stats;
    private readonly FrameTable _frames = new();
    private readonly Dictionary<int, Process> _procs = new();
    private Process? _lastProc; // the last process GetOrCreate found; cleared when a process leaves _procs
    private readonly Process?[] _current;
    private readonly AddressSpace?[] _activeMm;
    private int _nextMmId = 1;
    private long _nextFileKey = 1;
    private readonly int[] _pteQuicklist; // per CPU: freed page-table pages on 2.4's quicklist (cpu_data's pte_quick)
    private readonly PageTablePool _tablePool;

    public LinuxKernel(KernelProfile profile, IPlatform platform, RunStats stats, int cpus)
    {
        _profile = profile;
        _p = platform;
        _stats = stats;
        _current = new Process?[cpus];
        _activeMm = new AddressSpace?[cpus];
        _pteQuicklist = new int[cpus];
        _runqueueWriter = Enumerable.Repeat(-1, cpus).ToArray();
        _tablePool = new PageTablePool(profile.EntriesPerTable);
    }

    public FrameTable Frames => _frames;

    public int CpuCount => _current.Length;

    public Process? Find(int pid) => _procs.GetValueOrDefault(pid);

    /// <summary>The address space loaded in a CPU's CR3 (the previous task's after an exit, until the next switch).</summary>
    public AddressSpace? ActiveMm(int cpu) => _activeMm[cpu];

    /// <summary>Applies one trace event.</summary>
    public void Handle(in TraceEvent e)
    {
        if ((uint)e.Cpu >= (uint)_current.Length)
        {
            throw new SimulationException($"event on cpu {e.Cpu}, but the run has {_current.Length} CPU(s) (use --cpus).");
        }
        _p.CurrentCpu = e.Cpu;
        if (e.Kind == TraceEventKind.Mark)
        {
            return;
        }
        var proc = GetOrCreate(e.Pid);
        if (proc.Exited)
        {
            throw new SimulationException($"event {e.Kind} for pid {e.Pid}, which has exited.");
        }
        if (proc.Sleeping)
        {
            // Several CPUs apply only events that can run; on one, nothing in the trace before this woke the process.
            throw new SimulationException($"nothing before this event woke the process ({WhyWaiting(e.Pid)}).");
        }
        if (e.Kind == TraceEventKind.DebugRegs)
        {
            // The tracer's ptrace call stores the values in the stopped task's thread state (that call is the
            // tracer's work, not charged here); the task loads them at its next switch in.
            if (e.Arg0 is not (0 or 1))
            {
                throw new SimulationException($"debugreg for pid {e.Pid}: set must be 0 or 1, not {e.Arg0}.");
            }
            proc.DebugRegisters = e.Arg0 == 1;
            return;
        }
        if (_current[e.Cpu] != proc)
        {
            ContextSwitch(e.Cpu, proc);
        }
        proc.LastCpu = e.Cpu;
        switch (e.Kind)
        {
            case TraceEventKind.Switch:
                break;
            case TraceEventKind.Syscall:
                Syscall(proc, (SyscallKind)e.Arg0, e.Arg1, e.Arg2, e.Arg3);
                break;
            case TraceEventKind.Fork:
                Fork(proc, checked((int)e.Arg0), (ForkFlags)e.Arg1);
                break;
            case TraceEventKind.Exec:
                Exec(proc, e.Arg0, e.Arg1, e.Arg2, e.Arg3);
                break;
            case TraceEventKind.Exit:
                Exit(e.Cpu, proc);
                break;
            case TraceEventKind.Wait:
                Wait(proc, checked((int)e.Arg0));
                break;
            case TraceEventKind.PageFault:
                CheckRange(e.Arg0, 1, "fault", aligned: false);
                Fault(proc, e.Arg0 / PageSize, (AccessKind)e.Arg1, recorded: true);
                break;
            case TraceEventKind.Mmap:
                Mmap(proc, e.Arg0, e.Arg1, (Protection)e.Arg2, (MapFlags)e.Arg3);
                break;
            case TraceEventKind.Munmap:
                Munmap(proc, e.Arg0, e.Arg1);
                break;
            case TraceEventKind.Mprotect:
                Mprotect(proc, e.Arg0, e.Arg1, (Protection)e.Arg2);
                break;
            case TraceEventKind.SigInstall:
                SyscallEnter();
                _p.KernelPath(KernelPath.SysSigaction);
                proc.Handlers |= 1UL << (int)(e.Arg0 & 63);
                SyscallExit();
                break;
            case TraceEventKind.SigDeliver:
                DeliverSignal(proc, (int)e.Arg0);
                break;
            case TraceEventKind.Touch:
                Touch(proc, e.Arg0, e.Arg1, (AccessKind)e.Arg2);
                break;
            case TraceEventKind.Exception:
                if (e.Arg0 == PageFaultVector)
                {
                    // A page fault the handler fixes up from the exception table (a bad user pointer, a
                    // nanobenchmark's probe): the page-fault entry, CR2, the fix-up, no page-table change.
                    _p.Enter(EntryKind.PageFault);
                    TouchKernelStack(proc);
                    _p.ReadCr2();
                }
                else
                {
                    _p.Enter(EntryKind.Exception);
                    TouchKernelStack(proc);
                }
                _p.KernelPath(KernelPath.ExceptionBase);
                _p.Cli();
                _p.Return(ReturnKind.Iret);
                break;
            case TraceEventKind.PortIo:
                _p.PortIo(e.Arg1 != 0);
                break;
            case TraceEventKind.Compute:
                if (e.Arg1 != 0 && !proc.UsedFpu)
                {
                    LazyFpuRestore(proc);
                }
                _p.UserCompute(e.Arg0);
                break;
            default:
                throw new SimulationException($"unknown event kind {(int)e.Kind}.");
        }
    }

    // ---- processes -------------------------------------------------------------------------

    private Process GetOrCreate(int pid)
    {
        if (_lastProc is { } last && last.Pid == pid)
        {
            return last; // events come in runs of one process
        }
        if (_procs.TryGetValue(pid, out var p))
        {
            _lastProc = p;
            return p;
        }
        // A process first seen in the trace already exists (started before recording): an empty mm.
        var mm = NewMm();
        _p.AdoptMm(mm);
        p = new Process(pid, mm) { TlsKey = pid };
        _procs.Add(pid, p);
        return p;
    }

    private AddressSpace NewMm() => new(_nextMmId++, _profile.EntriesPerTable, _tablePool);

    /// <summary>dr0-dr3, dr6 and dr7 (dr4 and dr5 are aliases, never loaded).</summary>
    private const int DebugRegistersLoaded = 6;

    private void ContextSwitch(int cpu, Process next)
    {
        for (var k = 0; k < _current.Length; k++)
        {
            if (k != cpu && _current[k] == next)
            {
                _current[k] = null; // migrated: it last ran there and now runs here (its old CPU switches to whatever runs next)
            }
        }
        ShareRunqueue(cpu);
        ShareTask(next, next.HasRun ? SharedStep.TaskSwitchIn : SharedStep.ForkChildFirstRun);
        next.HasRun = true;
        var prev = _current[cpu];
        _p.Cli(); // spin_lock_irq(&rq->lock)
        _p.KernelPath(KernelPath.Schedule);
        _p.EnterLazyCpu();
        if (_activeMm[cpu] != next.Mm)
        {
            _activeMm[cpu]?.LoadedOn.Remove(cpu); // switch_mm: cpu_clear(cpu, prev->cpu_vm_mask)
            next.Mm.LoadedOn.Add(cpu);
            _p.LoadCr3(next.Mm);
            _activeMm[cpu] = next.Mm;
        }
        _p.KernelPath(KernelPath.SwitchTo);
        TouchKernelStack(next); // switch_to moves onto the next task's kernel stack
        if (prev is not null && prev.UsedFpu)
        {
            _p.FpuSave();
            _p.Stts();
            prev.UsedFpu = false;
        }
        _p.LoadEsp0();
        _p.LoadTls(prev is null || prev.TlsKey != next.TlsKey ? 1 : 0);
        if (next.DebugRegisters)
        {
            // __switch_to_xtra (2.6.20; 2.4's __switch_to alike): dr0-dr3, dr6, dr7, one set_debugreg each.
            for (var i = 0; i < DebugRegistersLoaded; i++)
            {
                _p.SetDebugReg();
            }
        }
        _p.LeaveLazyCpu();
        _p.Sti(); // finish_task_switch unlocks the runqueue
        _current[cpu] = next;
        _stats.Count(Counter.ContextSwitches);
        if (next.InRetFromFork)
        {
            // A new child's switch_to "returns" to ret_from_fork, which leaves through ret_from_sys_call (2.6:
            // syscall_exit): cli, RESTORE_ALL, iret, even where system calls return with sysexit. Its instructions
            // are counted in fork_base.
            next.InRetFromFork = false;
            SyscallExit(forceIret: true);
        }
    }

    /// <summary>
    /// The first FPU instruction after a switch finds CR0.TS set and traps (#NM); math_state_restore clears TS
    /// and reloads the task's FPU state. The task then owns the FPU until it is switched away.
    /// </summary>
    private void LazyFpuRestore(Process proc)
    {
        _p.Enter(EntryKind.DeviceNotAvailable);
        TouchKernelStack(proc);
        _p.Clts();
        _p.FpuRestore();
        _p.Return(ReturnKind.Iret);
        proc.UsedFpu = true;
    }

    /// <summary>spin_lock_irqsave: save the flags and disable interrupts.</summary>
    private void IrqSave()
    {
        _p.SaveFlags();
        _p.Cli();
    }

    // ---- system calls ----------------------------------------------------------------------

    /// <summary>First kernel-space page of the tasks' kernel stacks (8 KB each, indexed by pid).</summary>
    private const long KernelStackVpnBase = 0xC1000;

    /// <summary>The kernel's first data reference after an entry: the current task's kernel stack.</summary>
    private void TouchKernelStack(Process proc) => _p.KernelAccess(proc.Mm, KernelStackVpnBase + 2L * (proc.Pid & 0x7FFFF));

    /// <summary>A metadata operation's journal work (ext3's jbd): its transactions, write accesses, dirty-metadata marks and inode fills.</summary>
    private void Journal(JournalOp? op)
    {
        if (op is null)
        {
            return;
        }
        _p.KernelPath(KernelPath.JournalTransaction, op.Transactions);
        _p.KernelPath(KernelPath.JournalWriteAccess, op.WriteAccess);
        _p.KernelPath(KernelPath.JournalDirtyMetadata, op.DirtyMetadata);
        _p.KernelPath(KernelPath.InodeUpdate, op.InodeUpdates);
    }

    private void SyscallEnter()
    {
        if (_profile.SyscallEntry == SyscallEntry.Sysenter)
        {
            _p.Enter(EntryKind.SyscallSysenter);
            _p.Sti();
        }
        else
        {
            _p.Enter(EntryKind.SyscallInt80);
        }
        var current = _current[_p.CurrentCpu];
        if (current is not null)
        {
            TouchKernelStack(current);
        }
        _stats.Count(Counter.Syscalls);
        _p.KernelPath(KernelPath.SyscallDispatch);
    }

    private void SyscallExit(bool forceIret = false)
    {
        _p.Cli();
        _p.Return(_profile.SyscallEntry == SyscallEntry.Sysenter && !forceIret ? ReturnKind.Sysexit : ReturnKind.Iret);
    }

    private void Syscall(Process proc, SyscallKind kind, long size, long pipe = 0, long dirEntries = 0)
    {
        SyscallEnter();
        switch (kind)
        {
            case SyscallKind.Null: _p.KernelPath(KernelPath.SysNull); break;
            case SyscallKind.Read: _p.KernelPath(KernelPath.SysReadDevZero); break;
            case SyscallKind.Write:
                _p.KernelPath(KernelPath.SysWriteDevNull);
                if (size >= PageSize)
                {
                    _p.KernelPath(KernelPath.SysWritePerPage, (size + PageSize - 1) / PageSize);
                }
                break;
            case SyscallKind.Stat: _p.KernelPath(KernelPath.SysStat); break;
            case SyscallKind.Open: _p.KernelPath(KernelPath.SysOpen); break;
            case SyscallKind.Close: _p.KernelPath(KernelPath.SysClose); break;
            case SyscallKind.Kill when size == 0:
                // Signal 0 probes the target's existence and the permission: send_sig_info returns before the siglock.
                _p.KernelPath(KernelPath.SysKillProbe);
                break;
            case SyscallKind.Kill:
                _p.KernelPath(KernelPath.SysKill);
                IrqSave(); // send_sig_info takes the siglock with interrupts off
                _p.RestoreFlags();
                break;
            case SyscallKind.Select:
                _p.KernelPath(KernelPath.SysSelectBase);
                _p.KernelPath(KernelPath.SysSelectPerFd, size);
                break;
            case SyscallKind.Create:
                // The lookup misses after scanning every entry, the insertion scans them again (no hashed directories in 2.4).
                _p.KernelPath(KernelPath.SysCreate);
                _p.KernelPath(KernelPath.DirEntryScan, 2 * dirEntries);
                Journal(_profile.Journal?.Create);
                break;
            case SyscallKind.CreateCached:
                // The name's negative dentry answers the lookup (an unlink left it): only the insertion scans the directory.
                _p.KernelPath(KernelPath.SysCreateCached);
                _p.KernelPath(KernelPath.DirInsertScan, dirEntries);
                Journal(_profile.Journal?.Create);
                break;
            case SyscallKind.Unlink:
                _p.KernelPath(KernelPath.SysUnlink);
                _p.KernelPath(KernelPath.DirEntryScan, dirEntries);
                Journal(_profile.Journal?.Unlink);
                break;
            case SyscallKind.PipeRead:
                _p.KernelPath(KernelPath.PipeRead);
                if (pipe != 0)
                {
                    SharePipe(pipe, SharedStep.PipeRead);
                    if (_pipeBytes.GetValueOrDefault(pipe) > 0)
                    {
                        _pipeBytes[pipe]--;
                    }
                    else if (!_pipeSleeper.TryAdd(pipe, proc))
                    {
                        throw new SimulationException($"pipe {pipe}: pid {proc.Pid} reads while pid {_pipeSleeper[pipe].Pid} already sleeps in a read of it.");
                    }
                    else
                    {
                        _p.KernelPath(KernelPath.PipeWait); // charged here, though its second half runs after the wake-up
                        proc.SleepingOnPipe = pipe; // pipe_wait; the read completes when a write wakes it
                    }
                }
                break;
            case SyscallKind.PipeWrite:
                _p.KernelPath(KernelPath.PipeWrite);
                IrqSave(); // wake_up_interruptible_sync: the wait-queue lock, then try_to_wake_up's runqueue lock
                if (pipe == 0)
                {
                    _p.KernelPath(KernelPath.PipeWake); // an unnamed pipe's write wakes a reader (trace-format.md)
                }
                else
                {
                    SharePipe(pipe, SharedStep.PipeWrite);
                    if (_pipeSleeper.Remove(pipe, out var reader))
                    {
                        _p.KernelPath(KernelPath.PipeWake);
                        Wake(reader); // the sleeping reader takes what was written
                    }
                    else
                    {
                        _pipeBytes[pipe] = _pipeBytes.GetValueOrDefault(pipe) + 1;
                    }
                }
                _p.RestoreFlags();
                break;
            case SyscallKind.Msync: _p.KernelPath(KernelPath.SysMsync); break;
            case SyscallKind.Brk: _p.KernelPath(KernelPath.SysBrk); break;
            default: _p.KernelPath(KernelPath.SysOther); break;
        }
        SyscallExit();
    }

    private void DeliverSignal(Process proc, int signal)
    {
        if ((proc.Handlers & (1UL << (signal & 63))) == 0)
        {
            throw new SimulationException($"signal {signal} delivered to pid {proc.Pid}, which installed no handler for it.");
        }
        // On the return to user that follows (the kill or the fault): build the frame, then the handler
        // runs and returns through sigreturn.
        _stats.Count(Counter.SignalsDelivered);
        _p.Cli(); // dequeue_signal under spin_lock_irq(&siglock)
        _p.Sti();
        // setup_frame writes the sigcontext and the FPU state to the user stack (save_i387: the process has used
        // the FPU, as lmbench's floating-point timing code has, so the FXSR image is converted and copied: the
        // path's counted work).
        _p.KernelPath(KernelPath.SignalSetupFrame);
        _p.Cli(); // handle_signal: blocked |= sa_mask under spin_lock_irq(&sigmask_lock)
        _p.Sti();
        // do_signal reloads DR7 before handle_signal: on every delivery in 2.4 (unless the port guards it, as
        // XenoLinux's does), only with breakpoints set in later kernels.
        if (proc.DebugRegisters || (_profile.SignalWritesDr7 && !_p.GuestGuardsDr7))
        {
            _p.SetDebugReg();
        }
        if (proc.UsedFpu)
        {
            // save_i387's unlazy_fpu: FXSAVE and stts only while the FPU holds this task's live state (PF_USEDFPU).
            // lat_sig's loop runs no FP instruction, so in its steady state neither happens.
            _p.FpuSave();
            _p.Stts();
            proc.UsedFpu = false;
        }
        Touch(proc, proc.StackTopVpn * PageSize, 1, AccessKind.Write);
        SyscallEnter();
        // restore_i387 copies the frame's state into the task (clear_fpu finds the FPU already given up): no FXRSTOR.
        // The state is loaded lazily, by the #NM trap of the next FP instruction (LazyFpuRestore).
        _p.KernelPath(KernelPath.SysSigreturn);
        _p.Cli(); // sys_sigreturn: blocked = the saved mask under spin_lock_irq(&sigmask_lock)
        _p.Sti();
        SyscallExit(forceIret: true);
    }

    // ---- fork / exec / exit / wait ---------------------------------------------------------

    private void Fork(Process parent, int childPid, ForkFlags flags)
    {
        if (_procs.ContainsKey(childPid))
        {
            throw new SimulationException($"fork: child pid {childPid} already exists.");
        }
        SyscallEnter();
        _stats.Count(Counter.Forks);
        _p.KernelPath(KernelPath.ForkBase);
        AddressSpace mm;
        if ((flags & (ForkFlags.Thread | ForkFlags.VFork)) != 0)
        {
            mm = parent.Mm;
            mm.Users++;
        }
        else
        {
            mm = NewMm();
            _p.ClearPage(); // pgd_alloc: a fresh page directory
            _p.AllocPgd(mm);
            CopyMm(parent.Mm, mm);
            _p.ForkedMm(mm);
            FlushTlbMm(parent.Mm); // flush_tlb_mm(oldmm): the parent's PTEs were write-protected
        }
        var child = new Process(childPid, mm)
        {
            ParentPid = parent.Pid,
            Handlers = parent.Handlers,
            TlsKey = (flags & ForkFlags.Thread) != 0 ? childPid : parent.TlsKey,
            DebugRegisters = parent.DebugRegisters, // dup_task_struct copies the thread state and TIF_DEBUG
            StackTopVpn = parent.StackTopVpn,
            InRetFromFork = true,
        };
        _procs.Add(childPid, child);
        child.LinesWriter = _p.CurrentCpu; // copy_process wrote its task_struct and kernel stack here
        if (_unborn.Remove(childPid, out var childCpu))
        {
            if (childCpu == TraceEvent.AnyCpu)
            {
                childCpu = Place?.Invoke(child, PlaceReason.Fork)
                    ?? throw new SimulationException($"fork of pid {childPid}: the trace does not place the child and no scheduler does.");
            }
            child.LastCpu = childCpu; // wake_up_new_task: the CPU the trace (or the scheduler) runs the child on
            child.ReadyAt = SendRescheduleIfIdle(childCpu);
        }
        IrqSave(); // wake_up_forked_process: the runqueue lock
        _p.RestoreFlags();
        SyscallExit();
        if ((flags & ForkFlags.VFork) != 0)
        {
            parent.SleepingOnVfork = childPid; // wait_for_vfork_done: until the child execs or exits
        }
    }

    /// <summary>complete_vfork_done: a vfork child that execs or exits gives its parent the address space back and wakes it.</summary>
    private void ReleaseVforkParent(Process child)
    {
        if (_procs.TryGetValue(child.ParentPid, out var parent) && parent.SleepingOnVfork == child.Pid)
        {
            Wake(parent);
        }
    }

    private void CopyMm(AddressSpace src, AddressSpace dst)
    {
        dst.BuiltOn = _p.CurrentCpu;
        foreach (var vma in src.Vmas)
        {
            _p.KernelPath(KernelPath.ForkPerVma);
            dst.InsertVma(vma.CloneRange(vma.Start, vma.End));
            if (!vma.HasAnonVma && !_profile.ForkCopiesFilePtes)
            {
                continue; // 2.6: file-only mappings are refilled by faults
            }
            _p.EnterLazyMmu();
            var firstTable = src.TableIndexOf(vma.Start);
            var lastTable = src.TableIndexOf(vma.End - 1);
            for (var t = firstTable; t <= lastTable; t++)
            {
                if (!src.HasTable(t))
                {
                    continue;
                }
                _p.KernelPath(KernelPath.ForkPerPageTable);
                var from = Math.Max(vma.Start, src.FirstVpnOf(t));
                var to = Math.Min(vma.End, src.FirstVpnOf(t + 1));
                var present = 0L;
                for (var vpn = src.NextPresent(from, to); vpn >= 0; vpn = src.NextPresent(vpn + 1, to)) // present entries only
                {
                    present++;
                    var pte = src.GetPte(vpn);
                    _p.ReadPte(src, vpn, KernelPath.ForkPerPte);
                    if (!dst.HasTable(t))
                    {
                        NewPageTable(dst, t);
                    }
                    _p.KernelPath(KernelPath.ForkPerPte);
                    if (vma.IsCow && (Pte.IsWritable(pte) || _profile.ForkWriteProtectsReadOnlyPtes))
                    {
                        pte &= ~Pte.Writable;
                        src.SetPte(vpn, pte);
                        _p.UpdatePte(src, vpn, PteUpdateKind.WriteProtect);
                        _p.ReadPte(src, vpn, KernelPath.ForkPerPte); // copy_one_pte re-reads the entry it just protected
                    }
                    _frames.Get(Pte.FrameOf(pte));
                    dst.SetPte(vpn, pte);
                    _p.SetPte(dst, vpn);
                }
                EmptySlots(KernelPath.ForkPerEmptySlot, to - from - present); // the loop tests every slot in the range
            }
            _p.LeaveLazyMmu();
        }
    }

    private void NewPageTable(AddressSpace mm, long tableIndex)
    {
        _p.KernelPath(KernelPath.PageTableAlloc);
        if (_profile.PteQuicklist && _pteQuicklist[_p.CurrentCpu] > 0)
        {
            _pteQuicklist[_p.CurrentCpu]--; // pte_alloc_one_fast: a freed table, already empty
        }
        else
        {
            _p.ClearPage(); // a fresh page, cleared
        }
        mm.AddTable(tableIndex);
        _p.AllocPageTable(mm, tableIndex);
        _p.SetPmd(mm, tableIndex);
    }

    private void Exec(Process proc, long textPages, long dataPages, long bssPages, long argPages)
    {
        const long maxArgPages = 32; // MAX_ARG_PAGES
        const long maxImagePages = (0x40000000 - 0x08048000) / PageSize; // below the mmap base
        if (argPages > maxArgPages || textPages + dataPages + bssPages > maxImagePages)
        {
            throw new SimulationException($"exec: image of {textPages}+{dataPages}+{bssPages} pages with {argPages} argument pages is larger than an i386 process image can be (at most {maxImagePages} image pages, {maxArgPages} argument pages).");
        }
        SyscallEnter();
        _stats.Count(Counter.Execs);
        _p.KernelPath(KernelPath.ExecBase);
        var old = proc.Mm;
        var cpu = _p.CurrentCpu;
        AddressSpace mm;
        if (_profile.ExecReusesMm && old.Users == 1)
        {
            // 2.4's exec_mmap: nobody else uses the mm, so exit_mmap empties it in place; the page directory stays
            // loaded and the new image is built in the same mm.
            _p.KernelPath(KernelPath.ExecPerArgPage, argPages);
            TearDown(old);
            mm = old;
            mm.BuiltOn = cpu;
        }
        else
        {
            mm = NewMm();
            _p.ClearPage(); // pgd_alloc: a fresh page directory
            _p.AllocPgd(mm);
            _p.KernelPath(KernelPath.ExecPerArgPage, argPages);
            proc.Mm = mm;
            _p.ActivateMm(mm);
            _p.LoadCr3(mm); // activate_mm
            mm.BuiltOn = cpu;
            _activeMm[cpu]?.LoadedOn.Remove(cpu);
            mm.LoadedOn.Add(cpu);
            _activeMm[cpu] = mm;
            DropMm(old);
        }

        // The new image: text and data from the file, bss and stack anonymous.
        const long textStart = 0x08048;
        var fileKey = _nextFileKey++;
        var segments = 0;
        var at = textStart;
        if (textPages > 0)
        {
            mm.InsertVma(new Vma(at, at + textPages, Protection.Read | Protection.Execute, MapFlags.File, fileKey, 0));
            at += textPages;
            segments++;
        }
        if (dataPages > 0)
        {
            mm.InsertVma(new Vma(at, at + dataPages, Protection.Read | Protection.Write, MapFlags.File, fileKey, textPages));
            at += dataPages;
            segments++;
        }
        if (bssPages > 0)
        {
            mm.InsertVma(new Vma(at, at + bssPages, Protection.Read | Protection.Write, MapFlags.Anonymous, 0, 0));
            segments++;
        }
        var stackPages = Math.Max(argPages, 1);
        var stackTop = proc.StackTopVpn;
        var stack = new Vma(stackTop - 31, stackTop + 1, Protection.Read | Protection.Write, MapFlags.Anonymous, 0, 0) { GrowsDown = true };
        mm.InsertVma(stack);
        segments++;
        _p.KernelPath(KernelPath.ExecPerSegment, segments);
        // setup_arg_pages: install the argument pages at the top of the stack.
        for (var i = 0; i < stackPages; i++)
        {
            var vpn = stackTop - i;
            EnsureTable(mm, vpn);
            var frame = _frames.AllocateAnonymous();
            mm.SetPte(vpn, Pte.Make(frame, writable: true));
            _p.SetPte(mm, vpn);
        }
        proc.Handlers = 0;
        proc.DebugRegisters = false; // flush_thread clears the debug registers and TIF_DEBUG
        ReleaseVforkParent(proc);
        SyscallExit(forceIret: true); // TIF_IRET: the first return from exec uses iret
    }

    /// <summary>A freed page-table page: onto this CPU's quicklist, which check_pgt_cache keeps at most at its high-water mark.</summary>
    private void FreePageTable()
    {
        if (_profile.PteQuicklist && _pteQuicklist[_p.CurrentCpu] < KernelProfile.PteQuicklistHigh)
        {
            _pteQuicklist[_p.CurrentCpu]++;
        }
    }

    private void EnsureTable(AddressSpace mm, long vpn)
    {
        var t = mm.TableIndexOf(vpn);
        if (!mm.HasTable(t))
        {
            NewPageTable(mm, t);
        }
    }

    /// <summary>Drops one user of an mm; the last user tears it down (exit_mmap).</summary>
    private void DropMm(AddressSpace mm)
    {
        if (--mm.Users > 0)
        {
            return;
        }
        _p.ExitMmap(mm);
        TearDown(mm);
        _p.ReleasePgd(mm);
    }

    /// <summary>
    /// exit_mmap's body: zap every VMA, free the page tables, flush the TLB. The page directory is left to the caller
    /// (freed at the last drop, kept when 2.4's exec reuses the mm).
    /// </summary>
    private void TearDown(AddressSpace mm)
    {
        PullTeardownLines(mm);
        _p.KernelPath(KernelPath.MmTeardown);
        ZapVmas(mm, mm.Vmas, fullMm: true);
        foreach (var t in mm.TableIndexes())
        {
            _p.KernelPath(KernelPath.ExitPerPageTable);
            mm.RemoveTable(t);
            _p.SetPmd(mm, t); // free_one_pmd (2.4) or free_pte_range (2.6): pmd_clear, a page-directory write
            _p.ReleasePageTable(mm, t);
            FreePageTable();
        }
        FlushTlbMm(mm); // 2.6 tlb_finish_mmu; 2.4 exit_mmap's flush_tlb_mm after the per-VMA ones
        mm.Vmas.Clear();
    }

    /// <summary>
    /// Zaps the ranges of some VMAs: under one gather flushed by the caller (2.6 unmap_vmas), or with
    /// <see cref="KernelProfile.ZapFlushesPerVma"/> one zap_page_range per VMA, each ending with its own TLB flush (2.4).
    /// </summary>
    private void ZapVmas(AddressSpace mm, List<Vma> vmas, bool fullMm)
    {
        var perVma = _profile.ZapFlushesPerVma;
        _gathered = 0; // tlb_gather_mmu
        if (!perVma)
        {
            _p.EnterLazyMmu();
        }
        foreach (var vma in vmas)
        {
            if (fullMm)
            {
                _p.KernelPath(KernelPath.ExitPerVma);
            }
            if (perVma)
            {
                _p.EnterLazyMmu();
                ZapRange(mm, vma.Start, vma.End, fullMm);
                _p.LeaveLazyMmu();
                FlushTlbMm(mm); // zap_page_range's tlb_finish_mmu: flush_tlb_range is flush_tlb_mm on i386
                _gathered = 0;
            }
            else
            {
                ZapRange(mm, vma.Start, vma.End, fullMm);
            }
        }
        if (!perVma)
        {
            _p.LeaveLazyMmu();
        }
    }

    private void ZapRange(AddressSpace mm, long start, long end, bool fullMm)
    {
        // 2.4's gather clears plainly in fast mode (one CPU online) and by xchg otherwise; 2.6 clears a full teardown
        // plainly (ptep_get_and_clear_full) and munmap's entries by xchg.
        var plain = _profile.ZapXchgOnlyOnSmp ? _current.Length == 1 : fullMm;
        for (var t = mm.TableIndexOf(start); t <= mm.TableIndexOf(end - 1); t++)
        {
            if (!mm.HasTable(t))
            {
                continue;
            }
            var from = Math.Max(start, mm.FirstVpnOf(t));
            var to = Math.Min(end, mm.FirstVpnOf(t + 1));
            var present = 0L;
            for (var vpn = mm.NextPresent(from, to); vpn >= 0; vpn = mm.NextPresent(vpn + 1, to)) // present entries only
            {
                present++;
                var pte = mm.GetPte(vpn);
                _p.ReadPte(mm, vpn, fullMm ? KernelPath.ExitPerPte : KernelPath.UnmapPerPte); // ptep_get_and_clear returns the old entry
                mm.SetPte(vpn, 0);
                _p.ClearPte(mm, vpn, plain);
                _p.KernelPath(fullMm ? KernelPath.ExitPerPte : KernelPath.UnmapPerPte);
                if (_frames.Put(Pte.FrameOf(pte)))
                {
                    _p.KernelPath(KernelPath.PageFreeLast); // the process's own page: __free_pages_ok (2.4), free_hot_page (2.6)
                }
                if (_current.Length > 1 && ++_gathered == FreePteNr)
                {
                    // An SMP mmu_gather frees pages in batches of FREE_PTE_NR, each batch after a TLB flush
                    // (tlb_flush_mmu); with one CPU online the gather runs in fast mode and frees at once.
                    _gathered = 0;
                    FlushTlbMm(mm);
                }
            }
            EmptySlots(KernelPath.ZapPerEmptySlot, to - from - present); // zap_pte_range tests every slot in the range
        }
    }

    /// <summary>The empty PTE slots a page-table loop tests besides the present ones (none charged when there are none).</summary>
    private void EmptySlots(KernelPath path, long slots)
    {
        if (slots > 0)
        {
            _p.KernelPath(path, slots);
        }
    }

    private void Exit(int cpu, Process proc)
    {
        SyscallEnter();
        _stats.Count(Counter.Exits);
        _p.KernelPath(KernelPath.ExitBase);
        DropMm(proc.Mm);
        IrqSave(); // exit_notify: SIGCHLD to the parent and its wake-up under the tasklist and siglock
        _p.RestoreFlags();
        proc.Exited = true;
        ReleaseVforkParent(proc);
        if (_procs.TryGetValue(proc.ParentPid, out var notified))
        {
            ShareTask(notified, SharedStep.ExitNotify);
        }
        if (_procs.TryGetValue(proc.ParentPid, out var parent) && parent.SleepingOnChild == proc.Pid)
        {
            _procs.Remove(proc.Pid);
            _lastProc = null;
            Wake(parent);
        }
        // The task never returns to user; the next switch on this CPU picks another task. The dead mm
        // stays loaded in CR3 until then (it is dropped in finish_task_switch).
        _current[cpu] = null;
    }

    private void Wait(Process parent, int childPid)
    {
        if (!_procs.TryGetValue(childPid, out var child) || child.ParentPid != parent.Pid)
        {
            throw new SimulationException($"wait: pid {parent.Pid} has no child {childPid}.");
        }
        SyscallEnter();
        _p.KernelPath(KernelPath.WaitBase);
        if (child.Exited)
        {
            ShareTask(child, SharedStep.WaitReap);
            _procs.Remove(childPid);
            _lastProc = null;
        }
        else
        {
            parent.SleepingOnChild = childPid; // the child's exit reaps it and wakes the parent
        }
        SyscallExit();
    }

    // ---- memory ----------------------------------------------------------------------------

    private void Mmap(Process proc, long address, long length, Protection prot, MapFlags flags)
    {
        CheckRange(address, length, "mmap");
        SyscallEnter();
        _p.KernelPath(KernelPath.MmapBase);
        var start = address / PageSize;
        var end = (address + length + PageSize - 1) / PageSize;
        UnmapRange(proc.Mm, start, end); // MAP_FIXED semantics: replace what was there
        var fileKey = (flags & MapFlags.File) != 0 ? _nextFileKey++ : 0;
        proc.Mm.InsertVma(new Vma(start, end, prot, flags, fileKey, 0));
        SyscallExit();
    }

    private void Munmap(Process proc, long address, long length)
    {
        CheckRange(address, length, "munmap");
        SyscallEnter();
        _p.KernelPath(KernelPath.MunmapBase);
        UnmapRange(proc.Mm, address / PageSize, (address + length + PageSize - 1) / PageSize);
        SyscallExit();
    }

    private void UnmapRange(AddressSpace mm, long start, long end)
    {
        var victims = mm.SplitRange(start, end);
        if (victims.Count == 0)
        {
            return;
        }
        ZapVmas(mm, victims, fullMm: false);
        foreach (var v in victims)
        {
            mm.Vmas.Remove(v);
        }
        // free_pgtables: page-table pages no VMA uses any more.
        for (var t = mm.TableIndexOf(start); t <= mm.TableIndexOf(end - 1); t++)
        {
            if (mm.HasTable(t) && !AnyVmaIn(mm, mm.FirstVpnOf(t), mm.FirstVpnOf(t + 1)))
            {
                mm.RemoveTable(t);
                _p.SetPmd(mm, t);
                _p.ReleasePageTable(mm, t);
                FreePageTable();
            }
        }
        if (!_profile.ZapFlushesPerVma)
        {
            FlushTlbMm(mm); // i386 tlb_flush is flush_tlb_mm (2.4 flushed each VMA's zap already)
        }
    }

    private static bool AnyVmaIn(AddressSpace mm, long start, long end)
    {
        foreach (var v in mm.Vmas)
        {
            if (v.Start < end && v.End > start)
            {
                return true;
            }
        }
        return false;
    }

    private void Mprotect(Process proc, long address, long length, Protection prot)
    {
        CheckRange(address, length, "mprotect");
        SyscallEnter();
        _p.KernelPath(KernelPath.MprotectBase);
        var mm = proc.Mm;
        var start = address / PageSize;
        var end = (address + length + PageSize - 1) / PageSize;
        var changed = mm.SplitRange(start, end);
        _p.EnterLazyMmu();
        foreach (var v in changed)
        {
            v.Prot = prot;
            for (var vpn = mm.NextPresent(v.Start, v.End); vpn >= 0; vpn = mm.NextPresent(vpn + 1, v.End)) // present entries only
            {
                var pte = mm.GetPte(vpn);
                _p.ReadPte(mm, vpn, KernelPath.MprotectPerPte); // ptep_get_and_clear
                // Private mappings never get writable PTEs from mprotect: the next write takes a COW fault.
                var writable = v.PtesWritable;
                var np = writable ? pte | Pte.Writable : pte & ~Pte.Writable;
                mm.SetPte(vpn, np);
                _p.UpdatePte(mm, vpn, PteUpdateKind.Modify);
                _p.KernelPath(KernelPath.MprotectPerPte);
            }
        }
        _p.LeaveLazyMmu();
        if (changed.Count > 0)
        {
            FlushTlbMm(mm); // flush_tlb_range is flush_tlb_mm on i386
        }
        SyscallExit();
    }

    /// <summary>User addresses below 2^48 (x86-64's canonical lower half; i386 traces stay below 4 GB).</summary>
    public const long MaxAddress = 1L << 48;

    /// <summary>The longest range one event may cover (1 TB): longer ones are trace errors, not work.</summary>
    public const long MaxLength = 1L << 40;

    private static void CheckRange(long address, long length, string what, bool aligned = true)
    {
        if (address < 0 || address >= MaxAddress || length <= 0 || length > MaxLength || address + length > MaxAddress
            || (aligned && address % PageSize != 0))
        {
            throw new SimulationException($"{what}: bad range addr=0x{address:x} len={length} (a{(aligned ? " page-aligned" : "n")} address below 2^48 and a length of 1 byte to 1 TB required).");
        }
    }

    private void Touch(Process proc, long address, long length, AccessKind access)
    {
        if (length <= 0)
        {
            return;
        }
        CheckRange(address, length, "touch", aligned: false);
        var first = address / PageSize;
        var last = (address + length - 1) / PageSize;
        var mm = proc.Mm;
        for (var vpn = first; vpn <= last; vpn++)
        {
            var pte = mm.GetPte(vpn);
            var ok = Pte.IsPresent(pte) && (access != AccessKind.Write || Pte.IsWritable(pte));
            if (!ok && !Fault(proc, vpn, access, recorded: false))
            {
                continue; // SIGSEGV handled: the access does not complete
            }
            _p.UserAccess(mm, vpn, access);
            if (access == AccessKind.Write && _current.Length > 1)
            {
                _frames.SetLastWriter(Pte.FrameOf(mm.GetPte(vpn)), _p.CurrentCpu); // the page is now modified in this CPU's cache
            }
        }
    }

    /// <summary>RLIMIT_STACK's default, 8 MB: how far below its VMA a stack access may grow the stack.</summary>
    private const long StackLimitPages = (8 << 20) / PageSize;

    /// <summary>Handles a page fault; false when it ended in SIGSEGV rather than a mapping.</summary>
    private bool Fault(Process proc, long vpn, AccessKind access, bool recorded)
    {
        var mm = proc.Mm;
        _p.Enter(EntryKind.PageFault);
        TouchKernelStack(proc);
        _p.ReadCr2();
        _p.Sti();
        _p.KernelPath(KernelPath.FaultBase);
        var vma = mm.FindVma(vpn);
        if (vma is null && mm.FindVmaAbove(vpn) is { GrowsDown: true } stack && stack.Start - vpn <= StackLimitPages
            && mm.Vmas.IndexOf(stack) is var i && (i == 0 || mm.Vmas[i - 1].End <= vpn))
        {
            stack.Start = vpn; // expand_stack: the stack grows down to the faulting page (up to RLIMIT_STACK)
            vma = stack;
        }
        if (vma is null || !vma.Permits(access))
        {
            _p.KernelPath(KernelPath.FaultSegv);
            NoteFault(FaultKind.Protection);
            if ((proc.Handlers & (1UL << SigSegv)) == 0)
            {
                throw new SimulationException($"pid {proc.Pid}: {access} access to page 0x{vpn:x} is a segmentation fault and no SIGSEGV handler is installed.");
            }
            _p.Cli();
            _p.Return(ReturnKind.Iret);
            DeliverSignal(proc, SigSegv);
            return false;
        }
        EnsureTable(mm, vpn);
        var pte = mm.GetPte(vpn);
        _p.ReadPte(mm, vpn, KernelPath.FaultBase);
        if (!Pte.IsPresent(pte))
        {
            if (vma.IsFile)
            {
                _p.KernelPath(KernelPath.FaultFile);
                var frame = _frames.GetPageCacheFrame(vma.FileKey, vma.FilePageOffset + (vpn - vma.Start));
                var writable = false;
                if (access == AccessKind.Write)
                {
                    if (vma.IsShared)
                    {
                        writable = true;
                    }
                    else
                    {
                        // Private write fault on a file page: copy it into an anonymous page.
                        _frames.Put(frame);
                        var source = frame;
                        frame = _frames.AllocateAnonymous();
                        CopyFrom(source);
                        _frames.SetLastWriter(frame, _p.CurrentCpu);
                        vma.HasAnonVma = true;
                        writable = true;
                    }
                }
                mm.SetPte(vpn, Pte.Make(frame, writable));
                NoteFault(FaultKind.File);
            }
            else if (access == AccessKind.Write)
            {
                _p.KernelPath(KernelPath.FaultAnonymous);
                var frame = _frames.AllocateAnonymous();
                _p.ClearPage();
                mm.SetPte(vpn, Pte.Make(frame, writable: true));
                NoteFault(FaultKind.Anonymous);
            }
            else
            {
                _p.KernelPath(KernelPath.FaultAnonymous);
                mm.SetPte(vpn, Pte.Make(FrameTable.ZeroPage, writable: false));
                NoteFault(FaultKind.Anonymous);
            }
            _p.SetPte(mm, vpn);
        }
        else if (access == AccessKind.Write && !Pte.IsWritable(pte))
        {
            var frame = Pte.FrameOf(pte);
            if (vma.IsShared)
            {
                _p.KernelPath(KernelPath.FaultCowReuse);
                mm.SetPte(vpn, pte | Pte.Writable | Pte.Dirty);
                _p.UpdatePte(mm, vpn, PteUpdateKind.SetAccessFlags);
                FlushTlbPage(mm, vpn);
            }
            else if (frame != FrameTable.ZeroPage && !_frames.IsPageCache(frame) && _frames.RefCount(frame) == 1)
            {
                // Sole user: reuse the page (ptep_set_access_flags + flush_tlb_page).
                _p.KernelPath(KernelPath.FaultCowReuse);
                mm.SetPte(vpn, pte | Pte.Writable | Pte.Dirty);
                _p.UpdatePte(mm, vpn, PteUpdateKind.SetAccessFlags);
                FlushTlbPage(mm, vpn);
            }
            else
            {
                _p.KernelPath(KernelPath.FaultCopyOnWrite);
                var copy = _frames.AllocateAnonymous();
                CopyFrom(frame);
                _frames.SetLastWriter(copy, _p.CurrentCpu);
                if (_profile.CowSetsInPlace)
                {
                    // 2.4's break_cow: establish_pte writes the new entry over the old one, then flushes the page.
                    mm.SetPte(vpn, Pte.Make(copy, writable: true));
                    _p.SetPte(mm, vpn);
                    FlushTlbPage(mm, vpn);
                    _frames.Put(frame);
                }
                else
                {
                    mm.SetPte(vpn, 0);
                    _p.ClearPte(mm, vpn, plain: false); // ptep_clear_flush
                    FlushTlbPage(mm, vpn);
                    _frames.Put(frame);
                    mm.SetPte(vpn, Pte.Make(copy, writable: true));
                    _p.SetPte(mm, vpn);
                }
                vma.HasAnonVma = true;
            }
            NoteFault(FaultKind.CopyOnWrite);
        }
        else if (!recorded)
        {
            throw new InvalidOperationException($"fault on page 0x{vpn:x} that needs no fixing.");
        }
        else
        {
            NoteFault(FaultKind.Auto); // a recorded fault the model already resolved: spurious
        }
        _p.Cli();
        _p.Return(ReturnKind.Iret);
        return true;
    }

    private void NoteFault(FaultKind kind)
    {
        switch (kind)
        {
            case FaultKind.Anonymous: _stats.Count(Counter.FaultsAnonymous); break;
            case FaultKind.CopyOnWrite: _stats.Count(Counter.FaultsCopyOnWrite); break;
            case FaultKind.File: _stats.Count(Counter.FaultsFile); break;
            case FaultKind.Protection: _stats.Count(Counter.FaultsProtection); break;
        }
        _stats.Count(Counter.PageFaults);
    }
}
