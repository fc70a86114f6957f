using CubePS.Connections;

namespace CubePS.Logging;

/// <summary>
/// A log that masks the connection's secrets in every message before passing it on: what the
/// server says (a reason phrase, a key, a customer_id) can carry a secret into any message, so
/// the one place every message passes through masks them all.
/// </summary>
internal sealed class MaskingLog : ICubeLog
{
    private readonly ICubeLog _inner;
    private readonly SecretMasker _masker;

    private MaskingLog(ICubeLog inner, SecretMasker masker)
    {
        _inner = inner;
        _masker = masker;
    }

    public bool IsVerboseEnabled => _inner.IsVerboseEnabled;

    public bool IsDebugEnabled => _inner.IsDebugEnabled;

    /// <summary><paramref name="log"/> with <paramref name="masker"/>'s secrets masked, once however often it is wrapped.</summary>
    public static ICubeLog Over(ICubeLog log, SecretMasker masker) =>
        log is MaskingLog masking && masking._masker == masker ? log : new MaskingLog(log, masker);

    public void Verbose(string message) => _inner.Verbose(_masker.MaskText(message));

    public void Debug(string message) => _inner.Debug(_masker.MaskText(message));

    public void Warning(string message) => _inner.Warning(_masker.MaskText(message));

    public void Progress(DownloadProgress progress) => _inner.Progress(progress);

    public void Writing(long written, long total) => _inner.Writing(written, total);
}
