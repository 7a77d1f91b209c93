// See Scope.cs for the overview of scopes.

using System.Runtime.InteropServices;
using Arena.Slabs;

namespace Arena.Scopes;

/// <summary>
/// The unmanaged state of one thread's scope stack on one heap: its frames, its cache of
/// free chunks and its counters. Listed on the heap (Next/Prev, under the heap's scope lock)
/// so statistics, Heap.Dispose and the collector's root scan reach every thread's scopes
/// without keeping the managed <see cref="ScopeStack"/> alive. Go: the g's stack fields
/// plus the per-P stack cache (mcache.stackcache).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ScopeThreadState
{
    /// <summary>Number of chunk tiers: chunk of tier t is 2^t pages (8 KiB to 1 MiB).</summary>
    public const int Tiers = 8;

    /// <summary>Open scopes; frames [0, Depth) are open. Written by the owner only.</summary>
    public int Depth;
    /// <summary>Frames allocated so far (each depth ever reached has one).</summary>
    public int FrameCount;
    /// <summary>Capacity of <see cref="Frames"/>.</summary>
    public int FrameCapacity;
    /// <summary>The frames by depth; each one a separate block so handle pointers stay valid when this grows.</summary>
    public ScopeFrame** Frames;
    /// <summary>Free chunks per tier, linked through Slab.Next, Owner 0. Go: stackpool / stackcache.</summary>
    public fixed long FreeChunks[Tiers];
    /// <summary>Bytes of chunks on <see cref="FreeChunks"/>.</summary>
    public long CachedBytes;
    /// <summary>Bytes of every chunk and large run this thread holds (open, resident, cached). Go: StackSys.</summary>
    public long SysBytes;
    /// <summary>Bytes attached to open scopes. Go: StackInuse.</summary>
    public long InuseBytes;
    /// <summary>Scopes opened, cumulative.</summary>
    public long Opened;
    /// <summary>Outermost scopes closed, cumulative: the safepoints this thread has passed by scope.</summary>
    public long Safepoints;
    /// <summary>The managed thread id of the owner.</summary>
    public int OwnerThreadId;
    public ScopeThreadState* Next;
    public ScopeThreadState* Prev;
}
