using System.Text;

namespace Typed.Processes.Generators.Emitting;

/// <summary>A small writer that keeps indentation, so emitters read like the code they produce.</summary>
internal sealed class IndentedWriter
{
    private readonly StringBuilder _sb = new();
    private int _depth;

    public IndentedWriter Line(string text = "")
    {
        if (text.Length > 0) _sb.Append(' ', _depth * 4).Append(text);
        _sb.Append('\n');
        return this;
    }

    public IndentedWriter Open(string header)
    {
        Line(header);
        Line("{");
        _depth++;
        return this;
    }

    public IndentedWriter Close(string suffix = "")
    {
        // No blank line right before a closing brace.
        if (_sb.Length >= 2 && _sb[_sb.Length - 1] == '\n' && _sb[_sb.Length - 2] == '\n') _sb.Length--;
        _depth--;
        Line("}" + suffix);
        return this;
    }

    public override string ToString() => _sb.ToString();
}
