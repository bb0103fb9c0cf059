using Microsoft.CodeAnalysis;

namespace Typed.Processes.Analyzers;

/// <summary>The Typed.Processes types the analyzers look for, resolved once per compilation.</summary>
internal sealed class KnownTypes
{
    private KnownTypes(Compilation compilation)
    {
        ProcessEntry = compilation.GetTypeByMetadataName("Typed.Processes.ProcessEntryAttribute");
        ProcessHost = compilation.GetTypeByMetadataName("Typed.Processes.ProcessHostAttribute");
        LuaEntry = compilation.GetTypeByMetadataName("Typed.Processes.LuaEntryAttribute");
        Supervisor = compilation.GetTypeByMetadataName("Typed.Processes.SupervisorAttribute");
        DeclaredTopic = compilation.GetTypeByMetadataName("Typed.Processes.DeclaredTopicAttribute");
        EntryReference = compilation.GetTypeByMetadataName("Typed.Processes.EntryReferenceAttribute");
        HostReference = compilation.GetTypeByMetadataName("Typed.Processes.HostReferenceAttribute");
        TopicName = compilation.GetTypeByMetadataName("Typed.Processes.TopicNameAttribute");
        TypedPid = compilation.GetTypeByMetadataName("Typed.Processes.Pid`1");
        EntryTable = compilation.GetTypeByMetadataName("Typed.Processes.EntryTable");
        HostTable = compilation.GetTypeByMetadataName("Typed.Processes.HostTable");
        CSharpEntry = compilation.GetTypeByMetadataName("Typed.Processes.CSharpEntry");
        LuaEntryDefinition = compilation.GetTypeByMetadataName("Typed.Processes.Lua.LuaEntry");
    }

    /// <summary>The known types, or null when the Typed.Processes attributes are not referenced.</summary>
    public static KnownTypes? Create(Compilation compilation)
    {
        var types = new KnownTypes(compilation);
        return types.ProcessEntry is null ? null : types;
    }

    public INamedTypeSymbol? ProcessEntry { get; }
    public INamedTypeSymbol? ProcessHost { get; }
    public INamedTypeSymbol? LuaEntry { get; }
    public INamedTypeSymbol? Supervisor { get; }
    public INamedTypeSymbol? DeclaredTopic { get; }
    public INamedTypeSymbol? EntryReference { get; }
    public INamedTypeSymbol? HostReference { get; }
    public INamedTypeSymbol? TopicName { get; }
    public INamedTypeSymbol? TypedPid { get; }
    public INamedTypeSymbol? EntryTable { get; }
    public INamedTypeSymbol? HostTable { get; }
    public INamedTypeSymbol? CSharpEntry { get; }
    public INamedTypeSymbol? LuaEntryDefinition { get; }

    public static bool Is(ISymbol? symbol, INamedTypeSymbol? type) =>
        symbol is not null && type is not null && SymbolEqualityComparer.Default.Equals(symbol, type);

    /// <summary>The first attribute of class <paramref name="attributeType"/> on <paramref name="symbol"/>.</summary>
    public static AttributeData? Find(ISymbol symbol, INamedTypeSymbol? attributeType)
    {
        if (attributeType is null) return null;
        foreach (var a in symbol.GetAttributes())
            if (Is(a.AttributeClass, attributeType)) return a;
        return null;
    }

    /// <summary>True if <paramref name="symbol"/> carries an attribute of class <paramref name="attributeType"/>.</summary>
    public static bool Has(ISymbol symbol, INamedTypeSymbol? attributeType) => Find(symbol, attributeType) is not null;

    /// <summary>The first constructor argument of <paramref name="attribute"/> when it is a string.</summary>
    public static string? FirstString(AttributeData? attribute) =>
        attribute is { ConstructorArguments.Length: > 0 } && attribute.ConstructorArguments[0].Value is string s ? s : null;

    /// <summary>The location of the attribute's first argument, else of the attribute, else <paramref name="fallback"/>.</summary>
    public static Location LocationOf(AttributeData attribute, Location? fallback) => Typed.Processes.SourceModel.EntryShape.ArgumentLocation(attribute, fallback);
}
