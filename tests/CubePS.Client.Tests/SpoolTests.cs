using CubePS.Storage;

namespace CubePS.Client.Tests;

public class SpoolTests
{
    [Fact]
    public void Records_come_back_as_written_from_memory_and_from_the_compressed_file()
    {
        var temp = Directory.CreateTempSubdirectory("cubeps-spool-test").FullName;
        try
        {
            // A limit of 512 KB of compressed chunks: the first (of about 1 MB raw) stays in memory, the rest goes to the file.
            using var spool = new RecordSpool(512 * 1024, temp);
            for (var i = 0; i < 60_000; i++)
            {
                spool.BeginRecord();
                spool.AddInt64(0, i);
                spool.AddString(1, System.Text.Encoding.UTF8.GetBytes("Kunde æøå " + i));
                if (i % 3 == 0)
                {
                    spool.AddDecimal(2, i / 100m);
                }

                spool.AddDouble(3, i * 0.5);
                spool.AddBoolean(4, i % 2 == 0);
                spool.AddJson(5, "{}"u8);
                spool.EndRecord();
            }

            Assert.True(spool.PeakFileBytes > 0, "nothing was spilled to the file");
            Assert.True(spool.MemoryBytes is > 0 and <= 512 * 1024, $"{spool.MemoryBytes} bytes in memory");
            Assert.Empty(Directory.GetFiles(temp));

            var count = 0;
            foreach (var values in spool.Read(new object?[6]))
            {
                Assert.Equal((long)count, values[0]);
                Assert.Equal("Kunde æøå " + count, values[1]);
                Assert.Equal(count % 3 == 0 ? count / 100m : null, values[2]);
                Assert.Equal(count * 0.5, values[3]);
                Assert.Equal(count % 2 == 0, values[4]);
                Assert.Equal("{}", values[5]);
                count++;
            }

            Assert.Equal(60_000, count);
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    [Fact]
    public void Rolling_back_removes_what_came_after_the_mark_in_memory_and_in_the_file()
    {
        using var spool = new RecordSpool(0, Path.GetTempPath());
        Write(spool, 0, 10);
        var mark = spool.Mark();
        var fileAtMark = spool.FileBytes;
        Write(spool, 10, 20);
        spool.Mark();
        spool.Rollback(mark);
        Write(spool, 100, 3);

        var ids = spool.Read(new object?[1]).Select(values => (long)values[0]!).ToArray();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i).Concat(new long[] { 100, 101, 102 }), ids);
        Assert.Equal(13, spool.RecordCount);
        Assert.True(fileAtMark > 0);
    }

    [Fact]
    public void A_cancelled_record_leaves_no_trace()
    {
        using var spool = new RecordSpool(1 << 20, Path.GetTempPath());
        Write(spool, 1, 1);
        spool.BeginRecord();
        spool.AddInt64(0, 99);
        spool.CancelRecord();
        Write(spool, 2, 1);

        Assert.Equal(new long[] { 1, 2 }, spool.Read(new object?[1]).Select(values => (long)values[0]!));
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
    public void A_temporary_folder_that_cannot_be_written_is_CubeTemporaryStorageFailed()
    {
        var missing = Path.Combine(Path.GetTempPath(), "cubeps-missing-" + Guid.NewGuid().ToString("N"));
        using var spool = new RecordSpool(0, missing);
        Write(spool, 0, 10);
        var error = Assert.Throws<CubeException>(() => spool.Mark());

        Assert.Equal(CubeErrorIds.TemporaryStorageFailed, error.ErrorId);
        Assert.Equal(CubeErrorCategory.WriteError, error.Category);
        Assert.Contains(missing, error.Message);
    }

    private static void Write(RecordSpool spool, long first, int count)
    {
        for (var i = 0; i < count; i++)
        {
            spool.BeginRecord();
            spool.AddInt64(0, first + i);
            spool.EndRecord();
        }
    }
}
