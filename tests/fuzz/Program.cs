using CubePS.Fuzz;
using SharpFuzz;

// Under afl-fuzz: SharpFuzz's fork server, which runs each input in a child process that it
// starts again after a crash or a hang. Started with files as arguments (the instrumented build in
// out/fuzz/bin or `dotnet run --project tests/fuzz -c Release -- FILE...`): runs each file through
// the harness and shows how it ended, to look into a finding.
if (args.Length > 0)
{
    // The instrumented CubePS.Client.dll counts branches in SharpFuzz's trace map, which only
    // afl-fuzz provides: give it one of its own.
    unsafe
    {
        SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 16);
    }

    var unexpected = 0;
    foreach (var path in args)
    {
        try
        {
            var failure = PageReaderHarness.Run(File.ReadAllBytes(path));
            Console.WriteLine(failure is null ? $"{path}: read" : $"{path}: CubeException {failure.ErrorId}: {failure.Message}");
        }
        catch (Exception e)
        {
            unexpected++;
            Console.WriteLine($"{path}: UNEXPECTED {e}");
        }
    }

    return unexpected == 0 ? 0 : 1;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var input = new MemoryStream();
    stream.CopyTo(input);
    PageReaderHarness.Run(input.GetBuffer().AsSpan(0, (int)input.Length));
});
return 0;
