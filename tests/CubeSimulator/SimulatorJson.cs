using System.Text.Encodings.Web;
using System.Text.Json;

namespace CubeSimulator;

public static class SimulatorJson
{
    /// <summary>Non-ASCII letters as they are, as Cube sends them (no \u escapes).</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };
}
