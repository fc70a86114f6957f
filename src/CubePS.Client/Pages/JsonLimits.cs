using System.Text.Json;

namespace CubePS.Pages;

/// <summary>How deep CubePS reads JSON: as deep as ConvertFrom-Json does by default, not System.Text.Json's 64.</summary>
internal static class JsonLimits
{
    /// <summary>Levels of nesting from the start of a reply (envelope, results, record, then the value's own).</summary>
    public const int MaxDepth = 1024;

    public static JsonReaderOptions ReaderOptions => new() { MaxDepth = MaxDepth };
}
