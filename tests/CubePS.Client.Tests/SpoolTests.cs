using System.Globalization;
using System.Text;

namespace CubePS.Client.Tests;

/// <summary>The chunk store and the record encoding on it: what a call holds until its last record is in.</summary>
public class SpoolTests
{
    [Fact]
    public void Records_come_back_as_written_from_memory_and_from_the_compressed_file()
    {
        var spill = new ObservedStream();

        // A limit of 512 KB of compressed chunks: the first (of about 1 MB raw) stays in memory, the rest goes to the file.
        using var store = new ChunkStore(512 * 1024, () => spill, "test");
        var writer = new RecordWriter(store);
        for (var i = 0; i < 60_000; i++)
        {
            writer.BeginRecord();
            writer.AddNumber(0, Encoding.ASCII.GetBytes(i.ToString(CultureInfo.InvariantCulture)));
            writer.AddString(1, Encoding.UTF8.GetBytes("Kunde æøå " + i));
            if (i % 3 == 0)
            {
                writer.AddNumber(2, Encoding.ASCII.GetBytes((i / 100m).ToString("0.00", CultureInfo.InvariantCulture)));
            }
            else
            {
                writer.AddNull(2);
            }

            writer.AddNumber(3, Encoding.ASCII.GetBytes((i * 0.5).ToString("0.0", CultureInfo.InvariantCulture) + "e0"));
            writer.AddBoolean(4, i % 2 == 0);
            writer.AddJson(5, "{}"u8);
            writer.EndRecord();
        }

        var count = 0;
        foreach (var values in RecordReader.Read(store, new object?[6]))
        {
            Assert.Equal((long)count, values[0]);
            Assert.Equal("Kunde æøå " + count, values[1]);
            Assert.Equal(count % 3 == 0 ? decimal.Parse((count / 100m).ToString("0.00", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : null, values[2]);
            Assert.Equal(count * 0.5, values[3]);
            Assert.Equal(count % 2 == 0, values[4]);
            Assert.Equal("{}", values[5]);
            count++;
        }

        Assert.Equal(60_000, count);
        Assert.True(store.PeakSpillBytes > 0, "nothing was spilled to the file");
        Assert.Equal(store.PeakSpillBytes, spill.Length);
        Assert.True(store.MemoryBytes is > 0 and <= 512 * 1024, $"{store.MemoryBytes} bytes in memory");
    }

    [Fact]
    public void Rolling_back_removes_what_came_after_the_mark_in_memory_and_truncates_the_file()
    {
        var spill = new ObservedStream();
        using var store = new ChunkStore(0, () => spill, "test");
        var writer = new RecordWriter(store);
        Write(writer, 0, 10);
        var mark = store.Mark();
        var recordsAtMark = writer.RecordCount;
        var fileAtMark = spill.Length;
        Write(writer, 10, 20);
        store.Mark();
        Assert.True(spill.Length > fileAtMark, "the records after the mark went to the file");

        store.Rollback(mark);
        writer.Rollback(recordsAtMark);
        Assert.Equal(fileAtMark, spill.Length);

        Write(writer, 100, 3);
        var ids = RecordReader.Read(store, new object?[1]).Select(values => (long)values[0]!).ToArray();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i).Concat(new long[] { 100, 101, 102 }), ids);
        Assert.Equal(13, writer.RecordCount);
        Assert.True(fileAtMark > 0);
    }

    [Fact]
    public void A_cancelled_record_leaves_no_trace()
    {
        using var store = new ChunkStore(1 << 20, () => new ObservedStream(), "test");
        var writer = new RecordWriter(store);
        Write(writer, 1, 1);
        writer.BeginRecord();
        writer.AddNumber(0, "99"u8);
        writer.CancelRecord();
        Write(writer, 2, 1);

        Assert.Equal(new long[] { 1, 2 }, RecordReader.Read(store, new object?[1]).Select(values => (long)values[0]!));
        Assert.Equal(2, writer.RecordCount);
    }

    [Fact]
    public async Task A_call_that_spills_leaves_no_temporary_file_after_it_is_disposed()
    {
        var temp = Directory.CreateTempSubdirectory("cubeps-spill").FullName;
        try
        {
            var json = "[" + string.Join(",", Enumerable.Range(1, 20_000).Select(i => $$"""{"customer_id": {{i}}, "name": "Kunde {{i}}"}""")) + "]";
            var cube = FakeCube.Serving(("/crm/assignment_id/9/customers", json));
            using (var result = await new DownloadRun(cube.Connect()).RunAsync(new CustomerCollectionOptions { SpoolMemoryBytes = 0, TemporaryDirectory = temp }, 9))
            {
                Assert.Equal(20_000, result.Rows.Count);
                Assert.Equal("Kunde 20000", result.Value(19_999, "name"));
                Assert.True(result.Collection.PeakTemporaryFileBytes > 0);
            }

            Assert.Empty(Directory.GetFiles(temp));
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    [Fact]
    public void The_spill_file_is_gone_from_its_folder_once_closed_and_on_Unix_while_it_is_open()
    {
        var temp = Directory.CreateTempSubdirectory("cubeps-spill-file").FullName;
        try
        {
            using (var file = SpillFile.Open(temp))
            {
                file.Write(new byte[4096]);
                Assert.Equal(4096, file.Length);

                // Windows cannot unlink an open file; DeleteOnClose removes it when it is closed.
                Assert.Equal(OperatingSystem.IsWindows() ? 1 : 0, Directory.GetFiles(temp).Length);
            }

            Assert.Empty(Directory.GetFiles(temp));
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    [Fact]
    public void A_temporary_folder_that_cannot_be_written_is_CubeTemporaryStorageFailed()
    {
        var missing = Path.Combine(Path.GetTempPath(), "cubeps-missing-" + Guid.NewGuid().ToString("N"));
        using var store = new ChunkStore(0, () => SpillFile.Open(missing), missing);
        Write(new RecordWriter(store), 0, 10);
        var error = Assert.Throws<CubeException>(() => store.Mark());

        Assert.Equal(CubeErrorIds.TemporaryStorageFailed, error.ErrorId);
        Assert.Equal(CubeErrorCategory.WriteError, error.Category);
        Assert.Contains(missing, error.Message);
    }

    private static void Write(RecordWriter writer, long first, int count)
    {
        for (var i = 0; i < count; i++)
        {
            writer.BeginRecord();
            writer.AddNumber(0, Encoding.ASCII.GetBytes((first + i).ToString(CultureInfo.InvariantCulture)));
            writer.EndRecord();
        }
    }

    /// <summary>A spill file in memory whose length the test can read after the store has used it.</summary>
    private sealed class ObservedStream : MemoryStream
    {
        protected override void Dispose(bool disposing)
        {
            // Kept readable after the store closes it, so the test can still look at it.
        }
    }
}
