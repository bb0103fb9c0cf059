using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Typed.Processes.Analyzers;

/// <summary>TP0001: replaces an unknown topic literal with one of the entry's declared topics, nearest first.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnknownTopicCodeFix)), Shared]
public sealed class UnknownTopicCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Diagnostics.UnknownTopic.Id);

    /// <inheritdoc />
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(TopicAnalyzer.CandidatesProperty, out var joined) || string.IsNullOrEmpty(joined)) continue;
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not LiteralExpressionSyntax literal ||
                !literal.IsKind(SyntaxKind.StringLiteralExpression)) continue;
            foreach (var candidate in joined!.Split('\n'))
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Use topic '{candidate}'",
                        ct => Replace(context.Document, literal, candidate, ct),
                        equivalenceKey: nameof(UnknownTopicCodeFix) + ":" + candidate),
                    diagnostic);
            }
        }
    }

    private static async Task<Document> Replace(Document document, LiteralExpressionSyntax literal, string topic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var replacement = SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(topic)).WithTriviaFrom(literal);
        return document.WithSyntaxRoot(root!.ReplaceNode(literal, replacement));
    }
}
