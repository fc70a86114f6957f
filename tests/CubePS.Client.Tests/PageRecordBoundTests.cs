using System.Text;
using CubePS.Errors;
using CubePS.Pages;

namespace CubePS.Client.Tests;

/// <summary>
/// Review 18 F1: the records of a page are bounded while they are read, not when the page ends:
/// an endless page is refused near the paging bound, whichever page or assignment it is.
/// </summary>
public class PageRecordBoundTests
{
    private const string Route = "/crm/assignment_id/9/customers";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task An_endless_page_with_a_count_is_refused_near_twice_the_count_plus_1000(int endlessPage)
    {
        EndlessRecords? endless = null;
        var cube = new FakeCube((request, call) =>
        {
            var page2 = request.RequestUri!.Query.Contains("page=2");
            if ((endlessPage == 1) != page2)
            {
                endless = new EndlessRecords("{\"count\":4,\"next\":null,\"results\":[{\"customer_id\":3}");
                return FakeCube.Body(endless);
            }

            return FakeCube.Json("{\"count\":4,\"next\":\"https://acme.headshed.com" + Route + "?page=2\",\"results\":[{\"customer_id\":1},{\"customer_id\":2}]}");
        });

        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect(), new RequestSettings(20, 0, 0)).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("more than 1,008 records", error.Message);

        // Read up to the bound and one buffer beyond it (64 KB of ~30-byte records), never on to the end of time.
        Assert.InRange(endless!.Served, 1000, 1008 + 5000);
    }

    [Fact]
    public async Task A_page_without_a_count_is_refused_past_its_own_bound()
    {
        var endless = new EndlessRecords("[{\"customer_id\":0}");
        var cube = new FakeCube((_, _) => FakeCube.Body(endless));

        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect(), new RequestSettings(60, 0, 0)).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("announced no 'count'", error.Message);
        Assert.InRange(endless.Served, PageReader.MaximumRecordsWithoutCount, PageReader.MaximumRecordsWithoutCount + 5000);
    }

    /// <summary>A results list that never ends: `,{"customer_id":N,"v":"x"}` for ever, counting what it served.</summary>
    private sealed class EndlessRecords : ReadOnlyBodyStream
    {
        private byte[] _pending;
        private int _offset;

        public EndlessRecords(string head) => _pending = Encoding.UTF8.GetBytes(head);

        public long Served { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var written = 0;
            while (written < count)
            {
                if (_offset == _pending.Length)
                {
                    Served++;
                    _pending = Encoding.UTF8.GetBytes(",{\"customer_id\":" + (Served + 10) + ",\"v\":\"x\"}");
                    _offset = 0;
                }

                var n = Math.Min(count - written, _pending.Length - _offset);
                Buffer.BlockCopy(_pending, _offset, buffer, offset + written, n);
                _offset += n;
                written += n;
            }

            return written;
        }
    }
}
