using System.Text;
using CsCheck;

namespace CubePS.Client.Tests.Properties;

/// <summary>
/// Random assignments with everything that has broken readers (keys that collide but for case,
/// reserved names, æøå and emoji, quotes and separators, nulls, nested values, numbers of every
/// size and precision, text that looks like numbers), served in random page sizes and random
/// pieces, with and without a byte order mark: CubePS's values always equal an independent
/// reading of the same JSON under the documented mapping.
/// </summary>
public class RecordProperties
{
    [Fact]
    public void Values_equal_an_independent_reading_however_the_records_are_served() =>
        JsonGen.Assignment.Sample(
            assignment =>
            {
                var cube = Serve(assignment);
                using var result = new DownloadRun(cube.Connect()).RunAsync(null, 9).GetAwaiter().GetResult();
                var (names, rows) = Oracle.Read(JsonText.Page(assignment.Records, null, null, escapeNonAscii: false, spaced: false));

                Assert.Equal(names, result.Names);
                Assert.Equal(rows.Count, result.Rows.Count);
                for (var i = 0; i < rows.Count; i++)
                {
                    for (var j = 0; j < names.Count; j++)
                    {
                        AssertSame(rows[i][j], result.Rows[i][j], $"record {i + 1}, '{names[j]}'");
                    }
                }
            },
            iter: 300);

    /// <summary>Equal values of the same type (a double to the bit, a decimal with its scale).</summary>
    internal static void AssertSame(object? expected, object? actual, string where)
    {
        Assert.True(
            Equals(expected, actual) && expected?.GetType() == actual?.GetType()
            && (expected is not decimal d || d.ToString(System.Globalization.CultureInfo.InvariantCulture) == ((decimal)actual!).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            $"{where}: expected {Show(expected)}, got {Show(actual)}");
    }

    /// <summary>A fake Cube that serves the assignment in pages (or a bare array) and each body in random pieces.</summary>
    internal static FakeCube Serve(ServedAssignment assignment)
    {
        var random = new Random(assignment.ChunkSeed);
        return new FakeCube((request, _) =>
        {
            string json;
            if (assignment.PageSize == 0)
            {
                json = JsonText.Page(assignment.Records, null, null, assignment.EscapeNonAscii, assignment.Spaced);
            }
            else
            {
                var query = request.RequestUri!.Query;
                var page = query.StartsWith("?page=", StringComparison.Ordinal) ? int.Parse(query[6..], System.Globalization.CultureInfo.InvariantCulture) : 1;
                var first = (page - 1) * assignment.PageSize;
                var next = first + assignment.PageSize < assignment.Records.Count ? FakeCube.BaseUri + "crm/assignment_id/9/customers?page=" + (page + 1) : null;
                json = JsonText.Page(assignment.Records.Skip(first).Take(assignment.PageSize), assignment.Records.Count, next, assignment.EscapeNonAscii, assignment.Spaced);
            }

            var body = Encoding.UTF8.GetBytes(json);
            if (assignment.ByteOrderMark)
            {
                body = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(body).ToArray();
            }

            int chunk;
            lock (random)
            {
                chunk = random.Next(1, 64);
            }

            return FakeCube.Body(new PieceStream(body, chunk));
        });
    }

    private static string Show(object? value) => value is null ? "null" : $"{value} ({value.GetType().Name})";

    /// <summary>A body handed out in pieces of at most <c>piece</c> bytes, so records, strings and a byte order mark arrive split.</summary>
    private sealed class PieceStream : MemoryStream
    {
        private readonly int _piece;

        public PieceStream(byte[] data, int piece)
            : base(data) => _piece = piece;

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, _piece));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer, offset, count));
    }
}
