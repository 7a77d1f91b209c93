using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace Arena.Generators.Parsing;

/// <summary>
/// Computes layouts as CoreCLR does on a 64-bit process, from symbols. A layout is known
/// for primitives, enums, pointers, <c>Ptr&lt;U&gt;</c>, decimal, Guid, Half, Int128 and
/// UInt128, fixed buffers, and structs declared in the compilation (sequential with
/// optional Pack and Size, explicit with FieldOffset, InlineArray) whose fields are all
/// known. Any other struct (declared in another assembly, or with auto layout) is unknown:
/// its size is left to the runtime.
/// </summary>
internal sealed class LayoutCalculator
{
    private const int LayoutSequential = 0;
    private const int LayoutExplicit = 2;
    private const int LayoutAuto = 3;

    private readonly Dictionary<ITypeSymbol, LayoutInfo> _cache = new(SymbolEqualityComparer.Default);
    private readonly HashSet<ITypeSymbol> _inProgress = new(SymbolEqualityComparer.Default);
    private readonly CancellationToken _cancellationToken;

    public LayoutCalculator(CancellationToken cancellationToken) => _cancellationToken = cancellationToken;

    /// <summary>The layout of an arena type, with the issues found at its own fields.</summary>
    public LayoutInfo ForArenaType(INamedTypeSymbol type, List<FieldIssue>? issues)
    {
        LayoutInfo layout = ComputeStruct(type, issues);
        if (issues is null) return layout;
        foreach (IFieldSymbol field in InstanceFields(type))
        {
            if (KnownNames.IsPtr(field.Type) && field.Type is INamedTypeSymbol ptr)
            {
                ITypeSymbol target = ptr.TypeArguments[0];
                if (target.IsUnmanagedType && !KnownNames.IsArenaType(target) && Of(target).HasPointers)
                    issues.Add(new FieldIssue(FieldIssueKind.PointerTargetNotArenaType, field, field.Name, Display(target)));
            }
            if (!field.Type.IsUnmanagedType && !field.IsFixedSizeBuffer)
            {
                (string path, ITypeSymbol leaf) = ManagedPath(field.Type, field.Name, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default));
                issues.Add(new FieldIssue(FieldIssueKind.ManagedReference, field, path, Display(leaf)));
            }
        }
        return layout;
    }

    /// <summary>The layout of any type.</summary>
    public LayoutInfo Of(ITypeSymbol type)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        if (_cache.TryGetValue(type, out LayoutInfo? cached)) return cached;
        LayoutInfo result = Compute(type);
        _cache[type] = result;
        return result;
    }

    private LayoutInfo Compute(ITypeSymbol type)
    {
        switch (type)
        {
            case IPointerTypeSymbol:
            case IFunctionPointerTypeSymbol:
                return LayoutInfo.Leaf(8, 8);
            case INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying }:
                return Of(underlying);
        }
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean:
            case SpecialType.System_Byte:
            case SpecialType.System_SByte:
                return LayoutInfo.Leaf(1, 1);
            case SpecialType.System_Char:
            case SpecialType.System_Int16:
            case SpecialType.System_UInt16:
                return LayoutInfo.Leaf(2, 2);
            case SpecialType.System_Int32:
            case SpecialType.System_UInt32:
            case SpecialType.System_Single:
                return LayoutInfo.Leaf(4, 4);
            case SpecialType.System_Int64:
            case SpecialType.System_UInt64:
            case SpecialType.System_Double:
            case SpecialType.System_IntPtr:
            case SpecialType.System_UIntPtr:
                return LayoutInfo.Leaf(8, 8);
            case SpecialType.System_Decimal:
                return LayoutInfo.Leaf(16, 8);
        }
        if (KnownNames.IsPtr(type)) return LayoutInfo.Pointer;
        if (type.IsReferenceType || type.TypeKind is TypeKind.TypeParameter or TypeKind.Error || !type.IsValueType)
            return LayoutInfo.Unknown(Display(type), hasPointers: false, isManaged: !type.IsUnmanagedType);
        if (KnownNames.IsNamed(type, "System", "Guid")) return LayoutInfo.Leaf(16, 4);
        if (KnownNames.IsNamed(type, "System", "Half")) return LayoutInfo.Leaf(2, 2);
        if (KnownNames.IsNamed(type, "System", "Int128") || KnownNames.IsNamed(type, "System", "UInt128"))
            return LayoutInfo.Leaf(16, 16);
        if (type is INamedTypeSymbol named && named.TypeKind == TypeKind.Struct)
        {
            if (named.DeclaringSyntaxReferences.Length > 0) return ComputeStruct(named, null);
            return LayoutInfo.Unknown(Display(type), HasVisiblePointers(named, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default)), !type.IsUnmanagedType);
        }
        return LayoutInfo.Unknown(Display(type), hasPointers: false, isManaged: !type.IsUnmanagedType);
    }

    private LayoutInfo ComputeStruct(INamedTypeSymbol type, List<FieldIssue>? issues)
    {
        if (!_inProgress.Add(type))
            return LayoutInfo.Unknown(Display(type), hasPointers: false, isManaged: false); // a cycle: CS0523 reports it
        try
        {
            return ComputeStructCore(type, issues);
        }
        finally
        {
            _inProgress.Remove(type);
        }
    }

    private LayoutInfo ComputeStructCore(INamedTypeSymbol type, List<FieldIssue>? issues)
    {
        (int kind, int pack, int minSize) = ReadStructLayout(type);
        int inlineLength = ReadInlineArrayLength(type);
        List<IFieldSymbol> fields = InstanceFields(type).ToList();
        var layouts = new LayoutInfo[fields.Count];
        bool known = kind != LayoutAuto, hasPointers = false, managed = false;
        string? unknownBecause = kind == LayoutAuto ? Display(type) : null;
        for (int i = 0; i < fields.Count; i++)
        {
            layouts[i] = FieldLayout(fields[i]);
            hasPointers |= layouts[i].HasPointers;
            managed |= layouts[i].IsManaged;
            if (!layouts[i].IsKnown && known)
            {
                known = false;
                unknownBecause = layouts[i].UnknownBecause;
            }
        }
        if (!known)
        {
            if (issues is not null && hasPointers)
            {
                for (int i = 0; i < fields.Count; i++)
                {
                    if (!layouts[i].IsKnown)
                        issues.Add(new FieldIssue(FieldIssueKind.UnknownLayoutWithPointers, fields[i], fields[i].Name, layouts[i].UnknownBecause ?? Display(fields[i].Type)));
                }
            }
            return LayoutInfo.Unknown(unknownBecause ?? Display(type), hasPointers, managed);
        }

        var offsets = new int[fields.Count];
        int maxAlign = 1, end = 0;
        for (int i = 0; i < fields.Count; i++)
        {
            int align = pack > 0 ? Math.Min(layouts[i].Alignment, pack) : layouts[i].Alignment;
            maxAlign = Math.Max(maxAlign, align);
            if (kind == LayoutExplicit)
                offsets[i] = ReadFieldOffset(fields[i]);
            else
                offsets[i] = RoundUp(end, align);
            end = Math.Max(end, offsets[i] + layouts[i].Size);
        }

        var pointers = new List<int>();
        var overlaps = new List<string>();
        int size;
        if (inlineLength > 0 && fields.Count == 1)
        {
            int elem = layouts[0].Size;
            size = elem * inlineLength;
            for (int e = 0; e < inlineLength; e++)
                foreach (int p in layouts[0].PointerOffsets) pointers.Add(e * elem + p);
        }
        else
        {
            // CoreCLR pads to the alignment only without an explicit Size; with one, the size
            // is the larger of Size and the end of the last field, unpadded.
            size = minSize > 0 ? Math.Max(minSize, end) : Math.Max(RoundUp(end, maxAlign), 1);
            for (int i = 0; i < fields.Count; i++)
            {
                foreach (int p in layouts[i].PointerOffsets)
                {
                    int at = offsets[i] + p;
                    pointers.Add(at);
                    if (issues is not null && at % 8 != 0)
                        issues.Add(new FieldIssue(FieldIssueKind.MisalignedPointer, fields[i], fields[i].Name, at.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }
            }
            if (kind == LayoutExplicit) FindOverlaps(type, fields, layouts, offsets, overlaps, issues);
        }
        foreach (LayoutInfo l in layouts) overlaps.AddRange(l.PointerOverlaps);
        if (issues is not null)
        {
            for (int i = 0; i < fields.Count; i++)
                foreach (string o in layouts[i].PointerOverlaps)
                    issues.Add(new FieldIssue(FieldIssueKind.OverlappedPointer, fields[i], o, ""));
        }
        pointers.Sort();
        return new LayoutInfo
        {
            IsKnown = true,
            Size = size,
            Alignment = maxAlign,
            PointerOffsets = pointers.Distinct().ToImmutableArray(),
            HasPointers = hasPointers,
            IsManaged = managed,
            PointerOverlaps = overlaps.ToImmutableArray(),
        };
    }

    private static void FindOverlaps(INamedTypeSymbol type, List<IFieldSymbol> fields, LayoutInfo[] layouts, int[] offsets, List<string> overlaps, List<FieldIssue>? issues)
    {
        for (int i = 0; i < fields.Count; i++)
        {
            foreach (int p in layouts[i].PointerOffsets)
            {
                int lo = offsets[i] + p, hi = lo + 8;
                for (int j = 0; j < fields.Count; j++)
                {
                    if (j == i) continue;
                    int jlo = offsets[j], jhi = offsets[j] + layouts[j].Size;
                    if (jlo >= hi || jhi <= lo) continue;
                    if (layouts[j].PointerOffsets.Contains(lo - jlo)) continue; // a pointer on a pointer: the word stays a pointer
                    string text = $"'{type.Name}.{fields[j].Name}' overlaps the pointer at byte {lo} of '{type.Name}.{fields[i].Name}'";
                    if (issues is not null) issues.Add(new FieldIssue(FieldIssueKind.OverlappedPointer, fields[j], text, ""));
                    else overlaps.Add(text);
                }
            }
        }
    }

    private LayoutInfo FieldLayout(IFieldSymbol field)
    {
        if (field.IsFixedSizeBuffer && field.Type is IPointerTypeSymbol buffer)
        {
            LayoutInfo elem = Of(buffer.PointedAtType);
            return LayoutInfo.Leaf(elem.Size * Math.Max(field.FixedSize, 1), elem.Alignment);
        }
        return Of(field.Type);
    }

    private bool HasVisiblePointers(INamedTypeSymbol type, HashSet<ITypeSymbol> seen)
    {
        if (!seen.Add(type)) return false;
        foreach (IFieldSymbol f in InstanceFields(type))
        {
            if (KnownNames.IsPtr(f.Type)) return true;
            if (f.Type is INamedTypeSymbol { TypeKind: TypeKind.Struct } s && HasVisiblePointers(s, seen)) return true;
        }
        return false;
    }

    /// <summary>The path to the first managed reference inside a field, and that reference's type.</summary>
    private static (string Path, ITypeSymbol Type) ManagedPath(ITypeSymbol type, string prefix, HashSet<ITypeSymbol> seen)
    {
        if (type.IsReferenceType || type.TypeKind == TypeKind.TypeParameter || type is not INamedTypeSymbol named || !seen.Add(type))
            return (prefix, type);
        foreach (IFieldSymbol f in InstanceFields(named))
        {
            if (!f.Type.IsUnmanagedType) return ManagedPath(f.Type, prefix + "." + f.Name, seen);
        }
        return (prefix, type);
    }

    /// <summary>Instance fields in declaration order, backing fields of auto-properties included.</summary>
    public static IEnumerable<IFieldSymbol> InstanceFields(INamedTypeSymbol type)
    {
        foreach (ISymbol member in type.GetMembers())
        {
            if (member is IFieldSymbol { IsStatic: false, IsConst: false } f) yield return f;
        }
    }

    private static (int Kind, int Pack, int Size) ReadStructLayout(INamedTypeSymbol type)
    {
        foreach (AttributeData a in type.GetAttributes())
        {
            if (a.AttributeClass is not { Name: "StructLayoutAttribute" } cls || cls.ContainingNamespace?.ToDisplayString() != "System.Runtime.InteropServices")
                continue;
            int kind = a.ConstructorArguments.Length == 1 && a.ConstructorArguments[0].Value is { } v ? Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture) : LayoutSequential;
            int pack = 0, size = 0;
            foreach (KeyValuePair<string, TypedConstant> n in a.NamedArguments)
            {
                if (n.Key == "Pack" && n.Value.Value is int p) pack = p;
                else if (n.Key == "Size" && n.Value.Value is int s) size = s;
            }
            return (kind, pack, size);
        }
        return (LayoutSequential, 0, 0);
    }

    private static int ReadInlineArrayLength(INamedTypeSymbol type)
    {
        foreach (AttributeData a in type.GetAttributes())
        {
            if (a.AttributeClass is { Name: "InlineArrayAttribute" } cls
                && cls.ContainingNamespace?.ToDisplayString() == "System.Runtime.CompilerServices"
                && a.ConstructorArguments.Length == 1 && a.ConstructorArguments[0].Value is int n)
                return n;
        }
        return 0;
    }

    private static int ReadFieldOffset(IFieldSymbol field)
    {
        foreach (AttributeData a in field.GetAttributes())
        {
            if (a.AttributeClass is { Name: "FieldOffsetAttribute" } && a.ConstructorArguments.Length == 1 && a.ConstructorArguments[0].Value is int o)
                return o;
        }
        return 0;
    }

    private static int RoundUp(int value, int alignment) => (value + alignment - 1) / alignment * alignment;

    private static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);
}
