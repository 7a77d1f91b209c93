using System.Reflection;
using System.Runtime.CompilerServices;
using System.Reflection.Emit;
using System.Runtime.InteropServices;

namespace Arena.Tests.Types;

/// <summary>
/// The generator's build-time layouts against the runtime's: size and alignment against
/// sizeof and the alignment probe, the class against the runtime's lookup, and the pointer
/// map against where Ptr fields really are (found by writing a marker into each and
/// scanning the bytes).
/// </summary>
public unsafe class ArenaTypeLayoutTests
{
    public static TheoryData<string> TypeNames => new(Cases.Keys.Order(StringComparer.Ordinal));

    private static readonly Dictionary<string, Action> Cases = new()
    {
        [nameof(Node)] = () => Check<Node>(),
        [nameof(Primitives)] = () => Check<Primitives>(),
        [nameof(BoolChar)] = () => Check<BoolChar>(),
        [nameof(WithDecimal)] = () => Check<WithDecimal>(),
        [nameof(WithEnums)] = () => Check<WithEnums>(),
        [nameof(Inner)] = () => Check<Inner>(),
        [nameof(Outer)] = () => Check<Outer>(),
        [nameof(HoldsNode)] = () => Check<HoldsNode>(),
        [nameof(Packed4)] = () => Check<Packed4>(),
        [nameof(Packed1)] = () => Check<Packed1>(),
        [nameof(HoldsPacked)] = () => Check<HoldsPacked>(),
        [nameof(SizedSequential)] = () => Check<SizedSequential>(),
        [nameof(Union)] = () => Check<Union>(),
        [nameof(SizedExplicit)] = () => Check<SizedExplicit>(),
        [nameof(ExplicitOdd)] = () => Check<ExplicitOdd>(),
        [nameof(FixedBuffers)] = () => Check<FixedBuffers>(),
        [nameof(WithBuffers)] = () => Check<WithBuffers>(),
        [nameof(ManyPointers)] = () => Check<ManyPointers>(),
        [nameof(Empty)] = () => Check<Empty>(),
        [nameof(Wide)] = () => Check<Wide>(),
        [nameof(Large)] = () => Check<Large>(),
        [nameof(Class5Aligned)] = () => Check<Class5Aligned>(),
        [nameof(UnknownLayout)] = () => Check<UnknownLayout>(),
        [nameof(RawPointers)] = () => Check<RawPointers>(),
        [nameof(Container.Middle.Deep)] = () => Check<Container.Middle.Deep>(),
        [nameof(ReadOnlyPointer)] = () => Check<ReadOnlyPointer>(),
        [nameof(FrozenNode)] = () => Check<FrozenNode>(),
        [nameof(ExplicitPack1)] = () => Check<ExplicitPack1>(),
        [nameof(Mixed)] = () => Check<Mixed>(),
        [nameof(ExplicitInner)] = () => Check<ExplicitInner>(),
        [nameof(PointerUnion)] = () => Check<PointerUnion>(),
        [nameof(OnlyBools)] = () => Check<OnlyBools>(),
        [nameof(SizedUnpadded)] = () => Check<SizedUnpadded>(),
        [nameof(ExplicitSizeTooSmall)] = () => Check<ExplicitSizeTooSmall>(),
    };

    [Theory]
    [MemberData(nameof(TypeNames))]
    public void Generated_layout_matches_the_runtime(string typeName) => Cases[typeName]();

    private static void Check<T>() where T : unmanaged, IArenaType<T>
    {
        Assert.Equal(Unsafe.SizeOf<T>(), T.Size);
        Assert.Equal(ArenaLayout.AlignmentOf<T>(), T.Alignment);
        // The static-free bound the scope fast path tests: never under the alignment, and equal
        // to it unless an explicit Size leaves T unpadded.
        Assert.True(TypeLayout<T>.AlignmentBound >= T.Alignment);
        if (T.Size % T.Alignment == 0) Assert.Equal(T.Alignment, TypeLayout<T>.AlignmentBound);
        Assert.Equal(ArenaLayout.SizeClassOf<T>(), T.SizeClass);
        Assert.Equal(ArenaLayout.SizeClassFor(T.Size, T.Alignment), T.SizeClass);
        Assert.Equal(ArenaLayout.TypeIdOf(T.Name), T.TypeId);
        Assert.Equal(typeof(T).FullName!.Replace('+', '.'), T.Name);
        Assert.Equal(RealPointerMap<T>(), T.PointerMap.ToArray());
    }

    /// <summary>The pointer map of where T's Ptr words really are, found through reflection and field addresses.</summary>
    private static ulong[] RealPointerMap<T>() where T : unmanaged
    {
        var map = new List<ulong>();
        foreach (int offset in RealPointerOffsets(typeof(T)))
        {
            Assert.Equal(0, offset % 8);
            int word = offset / 8;
            while (map.Count <= word / 64) map.Add(0);
            map[word / 64] |= 1UL << (word % 64);
        }
        return map.ToArray();
    }

    private static List<int> RealPointerOffsets(Type type)
    {
        var offsets = new List<int>();
        FieldInfo[] fields = type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        foreach (FieldInfo f in fields)
        {
            int at = OffsetOf(f);
            if (f.FieldType.IsGenericType && f.FieldType.GetGenericTypeDefinition() == typeof(Ptr<>))
                offsets.Add(at);
            else if (f.FieldType.IsValueType && !f.FieldType.IsPrimitive && !f.FieldType.IsEnum)
                offsets.AddRange(RealPointerOffsets(f.FieldType).Select(o => at + o));
        }
        if (type.GetCustomAttribute<InlineArrayAttribute>() is { Length: > 1 } inline)
        {
            int elementSize = RuntimeHelpers.SizeOf(fields[0].FieldType.TypeHandle);
            int[] first = [.. offsets];
            for (int e = 1; e < inline.Length; e++) offsets.AddRange(first.Select(o => e * elementSize + o));
        }
        offsets.Sort();
        return offsets;
    }

    /// <summary>The field's real offset: <c>ldflda</c> on a real instance, less its address.</summary>
    private static int OffsetOf(FieldInfo field)
    {
        var method = new DynamicMethod("OffsetOf_" + field.Name, typeof(nint), [typeof(nint)], typeof(ArenaTypeLayoutTests).Module, skipVisibility: true);
        ILGenerator il = method.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldflda, field);
        il.Emit(OpCodes.Conv_I);
        il.Emit(OpCodes.Ret);
        void* instance = NativeMemory.AllocZeroed((nuint)RuntimeHelpers.SizeOf(field.DeclaringType!.TypeHandle));
        try
        {
            return (int)(method.CreateDelegate<Func<nint, nint>>()((nint)instance) - (nint)instance);
        }
        finally
        {
            NativeMemory.Free(instance);
        }
    }
}
