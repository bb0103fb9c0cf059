// Shared by the generator and the analyzers (linked into both). No dependencies: netstandard2.0, no YamlDotNet.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Typed.Processes.SourceModel;

/// <summary>
/// A reader for the YAML subset that Wippy-style <c>_index.yaml</c> manifests use: block maps and lists, plain and
/// quoted scalars, <c>|</c>/<c>&gt;</c> block scalars, one-line flow lists and maps, and comments. Maps come back as
/// <see cref="Dictionary{TKey,TValue}"/> of string to object, lists as <see cref="List{T}"/>, scalars as strings.
/// Errors carry a 1-based line number.
/// </summary>
internal sealed class MiniYaml
{
    private readonly List<(int Indent, string Text, int Line)> _lines = new();
    private readonly string[] _raw;
    private int _pos;

    private MiniYaml(string text)
    {
        _raw = text.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < _raw.Length; i++)
        {
            var stripped = StripComment(_raw[i]).TrimEnd();
            if (stripped.Trim().Length == 0 || stripped.Trim() == "---") continue;
            if (stripped.IndexOf('\t') >= 0 && stripped.TrimStart(' ').StartsWith("\t", StringComparison.Ordinal))
                throw new YamlException(i + 1, "tabs are not allowed for indentation");
            int indent = 0;
            while (indent < stripped.Length && stripped[indent] == ' ') indent++;
            _lines.Add((indent, stripped.Substring(indent), i + 1));
        }
    }

    /// <summary>Parses a document; the root is usually a map.</summary>
    /// <exception cref="YamlException">Malformed input, with its line.</exception>
    public static object? Parse(string text)
    {
        var y = new MiniYaml(text);
        if (y._lines.Count == 0) return null;
        var value = y.ParseBlock(y._lines[0].Indent);
        if (y._pos < y._lines.Count) throw new YamlException(y._lines[y._pos].Line, "unexpected indentation");
        return value;
    }

    private object? ParseBlock(int indent)
    {
        var first = _lines[_pos];
        if (first.Text == "-" || first.Text.StartsWith("- ", StringComparison.Ordinal)) return ParseList(indent);
        return ParseMap(indent);
    }

    private List<object?> ParseList(int indent)
    {
        var list = new List<object?>();
        while (_pos < _lines.Count && _lines[_pos].Indent == indent && (_lines[_pos].Text == "-" || _lines[_pos].Text.StartsWith("- ", StringComparison.Ordinal)))
        {
            var (_, text, line) = _lines[_pos];
            var rest = text.Length > 1 ? text.Substring(2).TrimStart() : "";
            int itemIndent = indent + (text.Length - text.Substring(1).TrimStart().Length) ;
            if (rest.Length == 0)
            {
                _pos++;
                list.Add(_pos < _lines.Count && _lines[_pos].Indent > indent ? ParseBlock(_lines[_pos].Indent) : null);
            }
            else if (IsMapLine(rest))
            {
                // "- key: value" starts a map whose further keys sit at the item's indentation.
                _lines[_pos] = (itemIndent, rest, line);
                list.Add(ParseMap(itemIndent));
            }
            else
            {
                _pos++;
                list.Add(ParseInlineScalarOrBlock(rest, indent, line));
            }
        }
        return list;
    }

    private Dictionary<string, object?> ParseMap(int indent)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        while (_pos < _lines.Count && _lines[_pos].Indent == indent)
        {
            var (_, text, line) = _lines[_pos];
            if (text.StartsWith("- ", StringComparison.Ordinal) || text == "-") break;
            int colon = FindColon(text);
            if (colon < 0) throw new YamlException(line, $"expected 'key: value', found '{text}'");
            var key = Unquote(text.Substring(0, colon).Trim(), line) ?? "";
            var rest = text.Substring(colon + 1).Trim();
            if (map.ContainsKey(key)) throw new YamlException(line, $"duplicate key '{key}'");
            _pos++;
            if (rest.Length == 0)
            {
                if (_pos < _lines.Count && _lines[_pos].Indent > indent) map[key] = ParseBlock(_lines[_pos].Indent);
                else if (_pos < _lines.Count && _lines[_pos].Indent == indent && _lines[_pos].Text.StartsWith("- ", StringComparison.Ordinal)) map[key] = ParseList(indent);
                else map[key] = null;
            }
            else map[key] = ParseInlineScalarOrBlock(rest, indent, line);
        }
        if (_pos < _lines.Count && _lines[_pos].Indent > indent) throw new YamlException(_lines[_pos].Line, "unexpected indentation");
        return map;
    }

    private object? ParseInlineScalarOrBlock(string rest, int indent, int line)
    {
        if (rest == "|" || rest == "|-" || rest == "|+" || rest == ">" || rest == ">-") return ReadBlockScalar(rest, indent, line);
        if (rest.StartsWith("[", StringComparison.Ordinal) || rest.StartsWith("{", StringComparison.Ordinal))
        {
            int i = 0;
            var v = ParseFlow(rest, ref i, line);
            SkipSpaces(rest, ref i);
            if (i != rest.Length) throw new YamlException(line, $"unexpected text after flow value: '{rest.Substring(i)}'");
            return v;
        }
        return Unquote(rest, line);
    }

    private string ReadBlockScalar(string style, int indent, int line)
    {
        // Block scalars keep their raw text (comments and blank lines included): read from the raw lines.
        var sb = new StringBuilder();
        int rawIndex = line; // the raw line after the header (0-based index == 1-based header line)
        int blockIndent = -1;
        var collected = new List<string>();
        for (; rawIndex < _raw.Length; rawIndex++)
        {
            var raw = _raw[rawIndex].TrimEnd('\r');
            if (raw.Trim().Length == 0) { collected.Add(""); continue; }
            int ind = 0;
            while (ind < raw.Length && raw[ind] == ' ') ind++;
            if (blockIndent < 0) { if (ind <= indent) break; blockIndent = ind; }
            if (ind < blockIndent) break;
            collected.Add(raw.Substring(blockIndent));
        }
        while (collected.Count > 0 && collected[collected.Count - 1].Length == 0) collected.RemoveAt(collected.Count - 1);
        // Skip the parsed lines that belonged to the block.
        while (_pos < _lines.Count && _lines[_pos].Line <= rawIndex) _pos++;
        if (style[0] == '>')
        {
            for (int i = 0; i < collected.Count; i++)
            {
                if (i > 0) sb.Append(collected[i].Length == 0 || collected[i - 1].Length == 0 ? "\n" : " ");
                sb.Append(collected[i]);
            }
        }
        else sb.Append(string.Join("\n", collected));
        if (!style.EndsWith("-", StringComparison.Ordinal)) sb.Append('\n');
        return sb.ToString();
    }

    private static object? ParseFlow(string s, ref int i, int line)
    {
        SkipSpaces(s, ref i);
        if (i >= s.Length) throw new YamlException(line, "unterminated flow value");
        if (s[i] == '[')
        {
            i++;
            var list = new List<object?>();
            SkipSpaces(s, ref i);
            if (i < s.Length && s[i] == ']') { i++; return list; }
            while (true)
            {
                list.Add(ParseFlow(s, ref i, line));
                SkipSpaces(s, ref i);
                if (i < s.Length && s[i] == ',') { i++; continue; }
                if (i < s.Length && s[i] == ']') { i++; return list; }
                throw new YamlException(line, "expected ',' or ']' in flow list");
            }
        }
        if (s[i] == '{')
        {
            i++;
            var map = new Dictionary<string, object?>(StringComparer.Ordinal);
            SkipSpaces(s, ref i);
            if (i < s.Length && s[i] == '}') { i++; return map; }
            while (true)
            {
                var key = ParseFlowScalar(s, ref i, line, stopAtColon: true);
                SkipSpaces(s, ref i);
                if (i >= s.Length || s[i] != ':') throw new YamlException(line, "expected ':' in flow map");
                i++;
                map[key ?? ""] = ParseFlow(s, ref i, line);
                SkipSpaces(s, ref i);
                if (i < s.Length && s[i] == ',') { i++; SkipSpaces(s, ref i); continue; }
                if (i < s.Length && s[i] == '}') { i++; return map; }
                throw new YamlException(line, "expected ',' or '}' in flow map");
            }
        }
        return ParseFlowScalar(s, ref i, line, stopAtColon: false);
    }

    private static string? ParseFlowScalar(string s, ref int i, int line, bool stopAtColon)
    {
        SkipSpaces(s, ref i);
        if (i < s.Length && (s[i] == '"' || s[i] == '\''))
        {
            char q = s[i];
            int start = i++;
            while (i < s.Length && (s[i] != q || (q == '"' && s[i - 1] == '\\'))) i++;
            if (i >= s.Length) throw new YamlException(line, "unterminated quoted string");
            i++;
            return Unquote(s.Substring(start, i - start), line);
        }
        int b = i;
        while (i < s.Length && s[i] != ',' && s[i] != ']' && s[i] != '}' && !(stopAtColon && s[i] == ':')) i++;
        return Unquote(s.Substring(b, i - b).Trim(), line);
    }

    private static void SkipSpaces(string s, ref int i)
    {
        while (i < s.Length && s[i] == ' ') i++;
    }

    private static bool IsMapLine(string text) => FindColon(text) >= 0;

    private static int FindColon(string text)
    {
        bool single = false, dbl = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\'' && !dbl) single = !single;
            else if (c == '"' && !single) dbl = !dbl;
            else if (c == ':' && !single && !dbl && (i + 1 == text.Length || text[i + 1] == ' ')) return i;
            else if ((c == '[' || c == '{') && i == 0) return -1;
        }
        return -1;
    }

    private static string StripComment(string line)
    {
        bool single = false, dbl = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '\'' && !dbl) single = !single;
            else if (c == '"' && !single) dbl = !dbl;
            else if (c == '#' && !single && !dbl && (i == 0 || line[i - 1] == ' ')) return line.Substring(0, i);
        }
        return line;
    }

    private static string? Unquote(string s, int line)
    {
        if (s.Length >= 2 && s[0] == '\'' && s[s.Length - 1] == '\'') return s.Substring(1, s.Length - 2).Replace("''", "'");
        if (s.Length >= 2 && s[0] == '"' && s[s.Length - 1] == '"')
        {
            var sb = new StringBuilder();
            for (int i = 1; i < s.Length - 1; i++)
            {
                if (s[i] != '\\' || i + 1 >= s.Length - 1) { sb.Append(s[i]); continue; }
                char e = s[++i];
                sb.Append(e switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '0' => '\0', _ => e });
            }
            return sb.ToString();
        }
        if (s.Length > 0 && (s[0] == '"' || s[0] == '\'')) throw new YamlException(line, "unterminated quoted string");
        if (s == "~" || s == "null") return null;
        return s;
    }
}

/// <summary>A manifest syntax error at a 1-based line.</summary>
internal sealed class YamlException : Exception
{
    public YamlException(int line, string message) : base(message) => Line = line;

    public int Line { get; }
}
