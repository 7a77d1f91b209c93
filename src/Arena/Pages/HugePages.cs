// See Heap.cs for the overview of the allocator.

using System.Runtime.InteropServices;

namespace Arena.Pages;

/// <summary>
/// Transparent huge pages for chunks, as Go's runtime asks for them (sysHugePage): on Linux,
/// madvise(MADV_HUGEPAGE) over a fresh chunk lets the kernel map it in 2 MiB pages, so first
/// touching a 4 MiB chunk costs two page faults instead of 1024. A hint only: where the kernel
/// has THP off, or madvise is missing, nothing changes.
/// </summary>
internal static unsafe class HugePages
{
    private const int MadvHugePage = 14;    // <sys/mman.h> MADV_HUGEPAGE

    private static readonly delegate* unmanaged<void*, nuint, int, int> s_madvise = Resolve();

    /// <summary>Whether this process can give the hint (Linux with libc's madvise).</summary>
    public static bool Supported => s_madvise != null;

    /// <summary>Asks for huge pages over [<paramref name="start"/>, + <paramref name="length"/>); both 2 MiB aligned. True when the kernel took the hint.</summary>
    public static bool Advise(void* start, nuint length) => s_madvise != null && s_madvise(start, length, MadvHugePage) == 0;

    private static delegate* unmanaged<void*, nuint, int, int> Resolve()
    {
        if (!OperatingSystem.IsLinux()) return null;
        if (!NativeLibrary.TryLoad("libc.so.6", out nint libc)) return null;
        return NativeLibrary.TryGetExport(libc, "madvise", out nint f) ? (delegate* unmanaged<void*, nuint, int, int>)f : null;
    }
}
