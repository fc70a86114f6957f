using System.Management.Automation.Language;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using Parser = System.Management.Automation.Language.Parser;
using YamlDotNet.Serialization;

namespace CubePS.Tests;

/// <summary>
/// The hosted-CI workflow (.github/workflows/ci.yml) cannot run here, so its syntax and shape are
/// checked here: valid YAML without duplicate keys, the jobs the project promises (Linux, macOS and
/// Windows with PowerShell 7.6, PowerShell 7.4, and a Windows PowerShell 5.1 smoke test), every
/// step either an action pinned to a version or a script that PowerShell's parser accepts, and
/// every repository file a step names present.
/// </summary>
public class WorkflowTests
{
    private static readonly string Root = RepositoryRoot();

    public static TheoryData<string> Workflows()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(Root, ".github", "workflows"), "*.yml"))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Is_valid_YAML_with_no_key_twice(string file)
    {
        var text = File.ReadAllText(Path.Combine(Root, ".github", "workflows", file));
        var workflow = Load(text);
        Assert.Contains("on", workflow.Keys);
        Assert.Contains("jobs", workflow.Keys);
    }

    [Fact]
    public void A_duplicate_key_or_a_broken_indentation_is_found()
    {
        Assert.ThrowsAny<YamlException>(() => Load("jobs:\n  a:\n    runs-on: x\n  a:\n    runs-on: y\n"));
        Assert.ThrowsAny<YamlException>(() => Load("jobs:\n  a:\n    runs-on: x\n   steps: []\n"));
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Every_job_runs_somewhere_and_every_step_is_a_pinned_action_or_a_script_that_parses(string file)
    {
        var jobs = Map(Load(File.ReadAllText(Path.Combine(Root, ".github", "workflows", file)))["jobs"]);
        Assert.NotEmpty(jobs);
        foreach (var (name, value) in jobs)
        {
            var job = Map(value);
            Assert.True(job.ContainsKey("runs-on"), $"job {name} has no runs-on");
            var steps = List(job["steps"]);
            Assert.NotEmpty(steps);
            foreach (var step in steps.Select(Map))
            {
                Assert.True(step.ContainsKey("uses") ^ step.ContainsKey("run"), $"a step of job {name} must have either uses or run: {string.Join(", ", step.Keys)}");
                if (step.TryGetValue("uses", out var uses))
                {
                    Assert.Matches(@"^[\w.-]+/[\w.-]+@v\d+$", (string)uses!);
                    continue;
                }

                var shell = step.TryGetValue("shell", out var given) ? (string)given! : null;
                Assert.True(shell is "pwsh" or "powershell", $"a script step of job {name} names its shell (pwsh or powershell): {shell}");
                var script = (string)step["run"]!;

                // GitHub replaces ${{ ... }} before the shell sees the script.
                Parser.ParseInput(Regex.Replace(script, @"\$\{\{[^}]*\}\}", "x"), out _, out var errors);
                Assert.True(errors.Length == 0, $"job {name}: {string.Join("; ", errors.Select(e => e.Message))}\n{script}");
                foreach (Match path in Regex.Matches(script, @"(?<![\w/.-])((?:tests|\.build|src)/[\w./-]+\.(?:ps1|psm1|csproj)|build\.ps1)"))
                {
                    Assert.True(File.Exists(Path.Combine(Root, path.Value)), $"job {name} runs {path.Value}, which the repository does not have");
                }
            }
        }
    }

    [Fact]
    public void Covers_Linux_macOS_Windows_PowerShell_7_4_and_a_Windows_PowerShell_5_1_smoke_test()
    {
        var text = File.ReadAllText(Path.Combine(Root, ".github", "workflows", "ci.yml"));
        var jobs = Map(Load(text)["jobs"]);
        var test = Map(jobs["test"]);
        var systems = List(Map(Map(test["strategy"])["matrix"])["os"]).Cast<string>().ToList();
        Assert.Equal(new[] { "ubuntu-latest", "windows-latest", "macos-latest" }, systems);
        Assert.Contains(List(test["steps"]).Select(Map), step => step.TryGetValue("run", out var run) && ((string)run!).Contains("./build.ps1 -Task Test", StringComparison.Ordinal));

        var seven = Map(jobs["powershell-7-4"]);
        Assert.Equal("windows-latest", seven["runs-on"]);
        Assert.Contains(List(seven["steps"]).Select(Map), step => step.TryGetValue("run", out var run) && Regex.IsMatch((string)run!, @"--version 7\.4\.\d+"));

        var five = Map(jobs["windows-powershell-5-1"]);
        Assert.Equal("windows-latest", five["runs-on"]);
        Assert.Contains(List(five["steps"]).Select(Map), step =>
            step.TryGetValue("shell", out var shell) && (string)shell! == "powershell" &&
            ((string)step["run"]!).Contains("tests/smoke/Invoke-SmokeTest.ps1", StringComparison.Ordinal) &&
            ((string)step["run"]!).Contains("-RequireDesktop", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("tests/smoke/Invoke-SmokeTest.ps1")]
    [InlineData("tests/CubeSimulator/CubeSimulator.psm1")]
    public void The_Windows_PowerShell_5_1_smoke_test_uses_no_syntax_5_1_lacks(string file)
    {
        // PowerShell 7 operators that Windows PowerShell 5.1 cannot parse.
        var newer = new HashSet<TokenKind> { TokenKind.AndAnd, TokenKind.OrOr, TokenKind.QuestionQuestion, TokenKind.QuestionQuestionEquals, TokenKind.QuestionDot, TokenKind.QuestionLBracket, TokenKind.QuestionMark };
        Parser.ParseFile(Path.Combine(Root, file), out var tokens, out var errors);
        Assert.Empty(errors);
        var found = tokens.Where(token => newer.Contains(token.Kind)).Select(token => $"{token.Text} at line {token.Extent.StartLineNumber}").ToList();
        Assert.True(found.Count == 0, string.Join(", ", found));
    }

    private static Dictionary<object, object?> Load(string text) =>
        new DeserializerBuilder().WithDuplicateKeyChecking().Build().Deserialize<Dictionary<object, object?>>(text);

    private static Dictionary<object, object?> Map(object? value) => Assert.IsType<Dictionary<object, object?>>(value);

    private static List<object?> List(object? value) => Assert.IsType<List<object?>>(value);

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CubePS.psd1")) && Directory.Exists(Path.Combine(directory.FullName, ".github")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No repository root (with CubePS.psd1 and .github) above {AppContext.BaseDirectory}.");
    }
}
