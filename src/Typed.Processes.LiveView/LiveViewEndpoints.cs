using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Typed.Processes.LiveView;

/// <summary>
/// Maps the live view of a <see cref="ProcessRuntime"/>: <c>GET {pattern}</c> serves one self-contained HTML page (no
/// external script, style or font) that draws the process tree and polls <c>GET {pattern}/snapshot</c>, the runtime's
/// <see cref="ProcessRuntime.Inspect"/> snapshot as JSON (<see cref="LiveViewJson"/>).
/// </summary>
public static class LiveViewEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the page and its JSON under <paramref name="pattern"/>, for the <see cref="ProcessRuntime"/> registered in
    /// the application's services (as <c>AddTypedProcesses</c> registers it). The runtime is resolved per request.
    /// The returned builder applies conventions (e.g. <c>RequireAuthorization()</c>) to both endpoints: the snapshot shows
    /// every process's entry, names and relations, so put it behind authorization outside development.
    /// </summary>
    /// <param name="endpoints">The application's endpoint builder.</param>
    /// <param name="pattern">The route prefix, e.g. <c>/processes</c>.</param>
    public static IEndpointConventionBuilder MapTypedProcessesLiveView(this IEndpointRouteBuilder endpoints, string pattern) =>
        Map(endpoints, pattern, static context => context.RequestServices.GetRequiredService<ProcessRuntime>());

    /// <summary>Maps the page and its JSON under <paramref name="pattern"/> for the given runtime.</summary>
    /// <param name="endpoints">The application's endpoint builder.</param>
    /// <param name="pattern">The route prefix, e.g. <c>/processes</c>.</param>
    /// <param name="runtime">The runtime to show.</param>
    public static IEndpointConventionBuilder MapTypedProcessesLiveView(this IEndpointRouteBuilder endpoints, string pattern, ProcessRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        return Map(endpoints, pattern, _ => runtime);
    }

    private static RouteGroupBuilder Map(IEndpointRouteBuilder endpoints, string pattern, Func<HttpContext, ProcessRuntime> runtime)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        var group = endpoints.MapGroup(pattern);
        group.MapGet("/", static context =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers.CacheControl = "no-store";
            return context.Response.Body.WriteAsync(LiveViewPage.Html).AsTask();
        });
        group.MapGet("/snapshot", context =>
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            context.Response.Headers.CacheControl = "no-store";
            return context.Response.Body.WriteAsync(LiveViewJson.SerializeToUtf8Bytes(runtime(context).Inspect())).AsTask();
        });
        return group;
    }
}

/// <summary>The page, embedded in the assembly (live-view.html).</summary>
internal static class LiveViewPage
{
    private static byte[]? s_html;

    public static ReadOnlyMemory<byte> Html => s_html ??= Load();

    private static byte[] Load()
    {
        using var stream = typeof(LiveViewPage).Assembly.GetManifestResourceStream("Typed.Processes.LiveView.live-view.html")
            ?? throw new InvalidOperationException("the live-view page is missing from the assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
