using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace Typed.Processes.Analyzers;

/// <summary>TP0011: asks for the topic's declared reply type (replaces the type argument of <c>CallAsync&lt;T&gt;</c>).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReplyTypeCodeFix)), Shared]
public sealed class ReplyTypeCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Diagnostics.ReplyTypeMismatch.Id);

    /// <inheritdoc />
    public override FixAllProvider? GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            // Only a topic that declares a reply has one to use; a type argument is where the diagnostic is then.
            if (!diagnostic.Properties.TryGetValue(TopicAnalyzer.ReplyProperty, out var reply) || string.IsNullOrEmpty(reply)) continue;
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not TypeSyntax type ||
                type.Parent is not TypeArgumentListSyntax) continue;
            var replacement = SyntaxFactory.ParseTypeName(reply!);
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Ask for the topic's reply type '{replacement.ToString().Replace("global::", "")}'",
                    ct => Replace(context.Document, type, replacement, ct),
                    equivalenceKey: nameof(ReplyTypeCodeFix)),
                diagnostic);
        }
    }

    private static async Task<Document> Replace(Document document, TypeSyntax type, TypeSyntax replacement, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        return document.WithSyntaxRoot(root!.ReplaceNode(type, replacement.WithTriviaFrom(type).WithAdditionalAnnotations(Simplifier.Annotation)));
    }
}
