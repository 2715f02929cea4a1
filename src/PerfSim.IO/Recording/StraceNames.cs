namespace PerfSim.IO.Recording;

/// <summary>
/// The x86_64 Linux numbers behind the names strace prints: errno names after a failed call's <c>-1</c>, signal names
/// in <c>--- SIGCHLD ... ---</c> and <c>+++ killed by SIGKILL +++</c> lines.
/// </summary>
internal static class StraceNames
{
    /// <summary>asm-generic/errno-base.h, asm-generic/errno.h and the kernel-internal restart codes strace shows after <c>= ?</c>.</summary>
    private static readonly Dictionary<string, int> Errnos = new(StringComparer.Ordinal)
    {
        ["EPERM"] = 1, ["ENOENT"] = 2, ["ESRCH"] = 3, ["EINTR"] = 4, ["EIO"] = 5, ["ENXIO"] = 6,
        ["E2BIG"] = 7, ["ENOEXEC"] = 8, ["EBADF"] = 9, ["ECHILD"] = 10, ["EAGAIN"] = 11, ["ENOMEM"] = 12,
        ["EACCES"] = 13, ["EFAULT"] = 14, ["ENOTBLK"] = 15, ["EBUSY"] = 16, ["EEXIST"] = 17, ["EXDEV"] = 18,
        ["ENODEV"] = 19, ["ENOTDIR"] = 20, ["EISDIR"] = 21, ["EINVAL"] = 22, ["ENFILE"] = 23, ["EMFILE"] = 24,
        ["ENOTTY"] = 25, ["ETXTBSY"] = 26, ["EFBIG"] = 27, ["ENOSPC"] = 28, ["ESPIPE"] = 29, ["EROFS"] = 30,
        ["EMLINK"] = 31, ["EPIPE"] = 32, ["EDOM"] = 33, ["ERANGE"] = 34, ["EDEADLK"] = 35, ["ENAMETOOLONG"] = 36,
        ["ENOLCK"] = 37, ["ENOSYS"] = 38, ["ENOTEMPTY"] = 39, ["ELOOP"] = 40, ["EWOULDBLOCK"] = 11, ["ENOMSG"] = 42,
        ["EIDRM"] = 43, ["ECHRNG"] = 44, ["EL2NSYNC"] = 45, ["EL3HLT"] = 46, ["EL3RST"] = 47, ["ELNRNG"] = 48,
        ["EUNATCH"] = 49, ["ENOCSI"] = 50, ["EL2HLT"] = 51, ["EBADE"] = 52, ["EBADR"] = 53, ["EXFULL"] = 54,
        ["ENOANO"] = 55, ["EBADRQC"] = 56, ["EBADSLT"] = 57, ["EDEADLOCK"] = 35, ["EBFONT"] = 59, ["ENOSTR"] = 60,
        ["ENODATA"] = 61, ["ETIME"] = 62, ["ENOSR"] = 63, ["ENONET"] = 64, ["ENOPKG"] = 65, ["EREMOTE"] = 66,
        ["ENOLINK"] = 67, ["EADV"] = 68, ["ESRMNT"] = 69, ["ECOMM"] = 70, ["EPROTO"] = 71, ["EMULTIHOP"] = 72,
        ["EDOTDOT"] = 73, ["EBADMSG"] = 74, ["EOVERFLOW"] = 75, ["ENOTUNIQ"] = 76, ["EBADFD"] = 77, ["EREMCHG"] = 78,
        ["ELIBACC"] = 79, ["ELIBBAD"] = 80, ["ELIBSCN"] = 81, ["ELIBMAX"] = 82, ["ELIBEXEC"] = 83, ["EILSEQ"] = 84,
        ["ERESTART"] = 85, ["ESTRPIPE"] = 86, ["EUSERS"] = 87, ["ENOTSOCK"] = 88, ["EDESTADDRREQ"] = 89, ["EMSGSIZE"] = 90,
        ["EPROTOTYPE"] = 91, ["ENOPROTOOPT"] = 92, ["EPROTONOSUPPORT"] = 93, ["ESOCKTNOSUPPORT"] = 94, ["EOPNOTSUPP"] = 95,
        ["ENOTSUP"] = 95, ["EPFNOSUPPORT"] = 96, ["EAFNOSUPPORT"] = 97, ["EADDRINUSE"] = 98, ["EADDRNOTAVAIL"] = 99,
        ["ENETDOWN"] = 100, ["ENETUNREACH"] = 101, ["ENETRESET"] = 102, ["ECONNABORTED"] = 103, ["ECONNRESET"] = 104,
        ["ENOBUFS"] = 105, ["EISCONN"] = 106, ["ENOTCONN"] = 107, ["ESHUTDOWN"] = 108, ["ETOOMANYREFS"] = 109,
        ["ETIMEDOUT"] = 110, ["ECONNREFUSED"] = 111, ["EHOSTDOWN"] = 112, ["EHOSTUNREACH"] = 113, ["EALREADY"] = 114,
        ["EINPROGRESS"] = 115, ["ESTALE"] = 116, ["EUCLEAN"] = 117, ["ENOTNAM"] = 118, ["ENAVAIL"] = 119, ["EISNAM"] = 120,
        ["EREMOTEIO"] = 121, ["EDQUOT"] = 122, ["ENOMEDIUM"] = 123, ["EMEDIUMTYPE"] = 124, ["ECANCELED"] = 125,
        ["ENOKEY"] = 126, ["EKEYEXPIRED"] = 127, ["EKEYREVOKED"] = 128, ["EKEYREJECTED"] = 129, ["EOWNERDEAD"] = 130,
        ["ENOTRECOVERABLE"] = 131, ["ERFKILL"] = 132, ["EHWPOISON"] = 133,
        ["ERESTARTSYS"] = 512, ["ERESTARTNOINTR"] = 513, ["ERESTARTNOHAND"] = 514, ["ENOIOCTLCMD"] = 515,
        ["ERESTART_RESTARTBLOCK"] = 516, ["EPROBE_DEFER"] = 517, ["EOPENSTALE"] = 518, ["ENOPARAM"] = 519,
    };

    /// <summary>Signals 1 to 31; 32 and up are real-time signals, which strace 6 prints as SIGRT_n (32 + n).</summary>
    private static readonly Dictionary<string, int> Signals = new(StringComparer.Ordinal)
    {
        ["SIGHUP"] = 1, ["SIGINT"] = 2, ["SIGQUIT"] = 3, ["SIGILL"] = 4, ["SIGTRAP"] = 5, ["SIGABRT"] = 6,
        ["SIGIOT"] = 6, ["SIGBUS"] = 7, ["SIGFPE"] = 8, ["SIGKILL"] = 9, ["SIGUSR1"] = 10, ["SIGSEGV"] = 11,
        ["SIGUSR2"] = 12, ["SIGPIPE"] = 13, ["SIGALRM"] = 14, ["SIGTERM"] = 15, ["SIGSTKFLT"] = 16, ["SIGCHLD"] = 17,
        ["SIGCONT"] = 18, ["SIGSTOP"] = 19, ["SIGTSTP"] = 20, ["SIGTTIN"] = 21, ["SIGTTOU"] = 22, ["SIGURG"] = 23,
        ["SIGXCPU"] = 24, ["SIGXFSZ"] = 25, ["SIGVTALRM"] = 26, ["SIGPROF"] = 27, ["SIGWINCH"] = 28, ["SIGIO"] = 29,
        ["SIGPOLL"] = 29, ["SIGPWR"] = 30, ["SIGSYS"] = 31, ["SIGRTMIN"] = 32, ["SIGRTMAX"] = 64,
    };

    /// <summary>The highest signal number (SIGRTMAX on x86_64).</summary>
    public const int MaxSignal = 64;

    /// <summary>The errno behind <paramref name="name"/> (ENOENT, ERESTARTSYS, or strace's ERRNO_n for numbers it has no name for).</summary>
    public static bool TryErrno(ReadOnlySpan<char> name, out int errno)
    {
        if (Errnos.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out errno))
        {
            return true;
        }

        return TryNumberAfter(name, "ERRNO_", 0, out errno);
    }

    /// <summary>The number of the signal strace names <paramref name="name"/> (SIGCHLD, SIGRT_2), or a plain number.</summary>
    public static bool TrySignal(ReadOnlySpan<char> name, out int signal)
    {
        if (Signals.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out signal)
            || TryNumberAfter(name, "SIGRT_", 32, out signal)
            || TryNumberAfter(name, "", 0, out signal))
        {
            return signal is > 0 and <= MaxSignal;
        }

        return false;
    }

    private static bool TryNumberAfter(ReadOnlySpan<char> name, string prefix, int offset, out int value)
    {
        value = 0;
        if (!name.StartsWith(prefix, StringComparison.Ordinal) || name.Length == prefix.Length)
        {
            return false;
        }

        foreach (var c in name[prefix.Length..])
        {
            if (!char.IsAsciiDigit(c) || value > 1_000_000)
            {
                return false;
            }

            value = value * 10 + (c - '0');
        }

        value += offset;
        return true;
    }
}
