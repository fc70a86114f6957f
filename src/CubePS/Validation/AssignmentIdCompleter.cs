using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;
using CubePS.Logging;
using CubePS.Sessions;

namespace CubePS.Validation;

/// <summary>Completes -AssignmentId with the assignments this session has read, their customer counts in the tooltip.</summary>
internal sealed class AssignmentIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        foreach (var seen in AssignmentHistory.Recent())
        {
            var text = seen.AssignmentId.ToString(CultureInfo.InvariantCulture);
            if (text.StartsWith(wordToComplete ?? string.Empty, System.StringComparison.Ordinal))
            {
                yield return new CompletionResult(
                    text,
                    text,
                    CompletionResultType.ParameterValue,
                    string.Format(CultureInfo.CurrentCulture, "Assignment {0}: {1} (read {2:t})", seen.AssignmentId, Counted.Of(seen.Customers, "customer"), seen.ReadAt));
            }
        }
    }
}
