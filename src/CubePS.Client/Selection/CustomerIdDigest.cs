using System;
using System.Security.Cryptography;
using System.Text;

namespace CubePS.Selection;

/// <summary>
/// A customer_id that is not an integer, as 128 bits of its SHA-256: what the duplicate check keeps
/// of it, so that a read holds the same few bytes for each such id whatever its length. Two
/// different ids share a digest with a chance of one in 2^64 even among billions of ids; a server
/// that crafted such a pair could only make CubePS drop one of its own customers as sent twice,
/// with the warning that names it.
/// </summary>
internal readonly struct CustomerIdDigest : IEquatable<CustomerIdDigest>
{
    [ThreadStatic]
    private static SHA256? _sha256;

    private CustomerIdDigest(ulong high, ulong low)
    {
        High = high;
        Low = low;
    }

    public ulong High { get; }

    public ulong Low { get; }

    public static CustomerIdDigest Of(string id)
    {
        var hash = (_sha256 ??= SHA256.Create()).ComputeHash(Encoding.UTF8.GetBytes(id));
        return new CustomerIdDigest(BitConverter.ToUInt64(hash, 0), BitConverter.ToUInt64(hash, 8));
    }

    public bool Equals(CustomerIdDigest other) => High == other.High && Low == other.Low;

    public override bool Equals(object? obj) => obj is CustomerIdDigest other && Equals(other);

    public override int GetHashCode() => (int)Low ^ (int)(Low >> 32);
}
