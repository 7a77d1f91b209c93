// See Scope.cs for the overview of scopes.

using System.Runtime.InteropServices;
using Arena.Slabs;

namespace Arena.Scopes;

/// <summary>
/// The unmanaged state of one level of a thread's scope stack: a bump pointer into a chain
/// of chunks, plus the page runs of large requests. One frame per depth, reused by every
/// scope opened at that depth. Go: a goroutine stack frame region (stack.lo..stack.hi).
/// </summary>
/// <remarks>
/// Layout: the three fields read by every <see cref="Scope.New{T}"/> come first, on one
/// cache line with the rest of the frame.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ScopeFrame
{
    /// <summary>
    /// State machine of the frame, at the field:
    ///   0      closed: no scope uses the frame; its First chunk (if any) is resident, idle.
    ///   t > 0  open: the scope handle carrying token t owns it. Tokens are unique per thread
    ///          and never reused, so a stale handle (disposed, or a copy of one) never matches.
    /// Set to t by <see cref="ScopeStack.Push"/>, to 0 by <see cref="ScopeStack.Pop"/> and by
    /// Heap.Dispose.
    /// </summary>
    public long Token;
    /// <summary>Next free byte of <see cref="Current"/>.</summary>
    public nuint Bump;
    /// <summary>
    /// The fast path's limit: <see cref="End"/> normally; 0 in checked mode and while the frame
    /// is closed or its heap disposed, which sends every allocation to the checking slow path.
    /// </summary>
    public nuint Limit;
    /// <summary>End of <see cref="Current"/>'s usable memory.</summary>
    public nuint End;
    /// <summary>The first chunk of the chain: stays with the frame when the scope closes.</summary>
    public Slab* First;
    /// <summary>The chunk being bumped; the last of the chain from <see cref="First"/> through Slab.Next.</summary>
    public Slab* Current;
    /// <summary>Page runs of large requests of the open scope, linked through Slab.Next.</summary>
    public Slab* Large;
    /// <summary>Chunks in the chain (picks the next chunk's size).</summary>
    public int Chunks;
    /// <summary>Index of this frame in its thread's stack (0 = outermost).</summary>
    public int Depth;
    /// <summary>Bytes of chunks and large runs attached to the open scope (for StackInuse).</summary>
    public long AttachedBytes;
    /// <summary>The thread state this frame belongs to.</summary>
    public ScopeThreadState* Thread;

    /// <summary>Bytes in use in <paramref name="chunk"/> of this frame's chain (or a large run of it).</summary>
    public readonly nuint UsedEnd(Slab* chunk) => chunk == Current ? Bump : chunk->Base + chunk->LargeSize;
}
