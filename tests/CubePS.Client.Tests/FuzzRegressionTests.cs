using CubePS.Fuzz;

namespace CubePS.Client.Tests;

/// <summary>
/// Every input the fuzzer keeps (tests/fuzz/regressions: crashes and hangs once found, now fixed;
/// tests/fuzz/corpus: its seeds) goes through the fuzz target again: it must end with the records
/// read or a CubeException, within seconds. See tests/fuzz/README.md.
/// </summary>
public class FuzzRegressionTests
{
    /// <summary>Far above what any of these inputs takes; a page reader that loops runs into it.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    /// <summary>The input files, relative to the repository root (the folders are found from the test assembly upwards).</summary>
    public static TheoryData<string> Inputs()
    {
        var root = RepositoryRoot();
        var data = new TheoryData<string>();
        foreach (var folder in new[] { "tests/fuzz/regressions", "tests/fuzz/corpus" })
        {
            var directory = Path.Combine(root, folder);
            if (!Directory.Exists(directory))
            {
                continue;
            }

            foreach (var file in Directory.GetFiles(directory).Where(file => !file.EndsWith(".md", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal))
            {
                data.Add(folder + "/" + Path.GetFileName(file));
            }
        }

        if (data.Count == 0)
        {
            throw new InvalidOperationException($"No fuzz inputs under {Path.Combine(root, "tests/fuzz")}.");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task An_input_the_fuzzer_kept_is_read_or_fails_with_a_CubeException(string input)
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(RepositoryRoot(), input));

        // Any exception but a CubeException escapes the harness and fails the test with its stack.
        var run = Task.Run(() => PageReaderHarness.Run(bytes));
        try
        {
            await run.WaitAsync(Limit);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{input} was not read within {Limit.TotalSeconds:0} s: the page reader hangs on it.");
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CubePS.psd1")) && Directory.Exists(Path.Combine(directory.FullName, "tests", "fuzz")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No repository root (with CubePS.psd1 and tests/fuzz) above {AppContext.BaseDirectory}.");
    }
}
