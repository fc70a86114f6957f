using System;
using System.Management.Automation;

namespace CubePS.Validation;

/// <summary>
/// A plain string given to -Token (the most common first attempt) gets an error that says how to
/// pass a token instead of PowerShell's generic conversion error. Anything else binds as usual.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class TokenNotPlainTextAttribute : ArgumentTransformationAttribute
{
    internal const string Message =
        "-Token takes a SecureString, not plain text, so that the token stays out of your history and transcripts. Pass it one of these ways: " +
        "$token = Read-Host -AsSecureString 'Cube token' (typed in); " +
        "$token = Get-Secret -Name CubeToken (SecretManagement, kept in a vault); " +
        "$token = ConvertTo-SecureString $text -AsPlainText -Force (from a runbook variable or another system). " +
        "Then: Connect-Cube -Token $token.";

    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is string)
        {
            throw new ArgumentTransformationMetadataException(Message);
        }

        return inputData;
    }
}
