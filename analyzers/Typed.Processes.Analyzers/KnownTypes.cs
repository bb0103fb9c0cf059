using Microsoft.CodeAnalysis;

namespace Typed.Processes.Analyzers;

/// <summary>The Typed.Processes types the analyzers look for, resolved once per compilation.</summary>
internal sealed class KnownTypes
{
    private KnownTypes(Compilation compilation)
    {
        ProcessEntry = compilation.GetTypeByMetadataName("Typed.Processes.ProcessEntryAttribute");
        Topic = compilation.GetTypeByMetadataName("Typed.Processes.TopicAttribute");
        Inbox = compilation.GetTypeByMetadataName("Typed.Processes.InboxAttribute");
        ProcessMain = compilation.GetTypeByMetadataName("Typed.Processes.ProcessMainAttribute");
        ProcessHost = compilation.GetTypeByMetadataName("Typed.Processes.ProcessHostAttribute");
        LuaEntry = compilation.GetTypeByMetadataName("Typed.Processes.LuaEntryAttribute");
        DeclaredTopic = compilation.GetTypeByMetadataName("Typed.Processes.DeclaredTopicAttribute");
        EntryReference = compilation.GetTypeByMetadataName("Typed.Processes.EntryReferenceAttribute");
        HostReference = compilation.GetTypeByMetadataName("Typed.Processes.HostReferenceAttribute");
        TopicName = compilation.GetTypeByMetadataName("Typed.Processes.TopicNameAttribute");
        TypedPid = compilation.GetTypeByMetadataName("Typed.Processes.Pid`1");
        MessageContext = compilation.GetTypeByMetadataName("Typed.Processes.MessageContext");
        Message = compilation.GetTypeByMetadataName("Typed.Processes.Message");
        ProcessContext = compilation.GetTypeByMetadataName("Typed.Processes.ProcessContext");
        EntryTable = compilation.GetTypeByMetadataName("Typed.Processes.EntryTable");
        HostTable = compilation.GetTypeByMetadataName("Typed.Processes.HostTable");
        CSharpEntry = compilation.GetTypeByMetadataName("Typed.Processes.CSharpEntry");
        LuaEntryDefinition = compilation.GetTypeByMetadataName("Typed.Processes.Lua.LuaEntry");
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        ValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
    }

    /// <summary>The known types, or null when the Typed.Processes attributes are not referenced.</summary>
    public static KnownTypes? Create(Compilation compilation)
    {
        var types = new KnownTypes(compilation);
        return types.ProcessEntry is null ? null : types;
    }

    public INamedTypeSymbol? ProcessEntry { get; }
    public INamedTypeSymbol? Topic { get; }
    public INamedTypeSymbol? Inbox { get; }
    public INamedTypeSymbol? ProcessMain { get; }
    public INamedTypeSymbol? ProcessHost { get; }
    public INamedTypeSymbol? LuaEntry { get; }
    public INamedTypeSymbol? DeclaredTopic { get; }
    public INamedTypeSymbol? EntryReference { get; }
    public INamedTypeSymbol? HostReference { get; }
    public INamedTypeSymbol? TopicName { get; }
    public INamedTypeSymbol? TypedPid { get; }
    public INamedTypeSymbol? MessageContext { get; }
    public INamedTypeSymbol? Message { get; }
    public INamedTypeSymbol? ProcessContext { get; }
    public INamedTypeSymbol? EntryTable { get; }
    public INamedTypeSymbol? HostTable { get; }
    public INamedTypeSymbol? CSharpEntry { get; }
    public INamedTypeSymbol? LuaEntryDefinition { get; }
    public INamedTypeSymbol? Task { get; }
    public INamedTypeSymbol? TaskOfT { get; }
    public INamedTypeSymbol? ValueTask { get; }
    public INamedTypeSymbol? ValueTaskOfT { get; }

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
    public static Location LocationOf(AttributeData attribute, Location? fallback)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is Microsoft.CodeAnalysis.CSharp.Syntax.AttributeSyntax syntax)
        {
            if (syntax.ArgumentList is { Arguments.Count: > 0 } args) return args.Arguments[0].GetLocation();
            return syntax.GetLocation();
        }
        return fallback ?? Location.None;
    }
}
