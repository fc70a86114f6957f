using System;
using System.Management.Automation;
using System.Security;
using CubePS.Connections;

namespace CubePS.Validation;

/// <summary>
/// -Token must be something Cube could accept: not empty, long enough to be masked, and only
/// characters an HTTP header can carry. Refused at binding, before any request, with a message
/// that says what is wrong and where, never the token.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class ValidateTokenAttribute : ValidateArgumentsAttribute
{
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        if (arguments is SecureString token && SecretRules.CheckToken(SecretText.Reveal(token)) is { } problem)
        {
            throw new ValidationMetadataException(problem);
        }
    }
}
