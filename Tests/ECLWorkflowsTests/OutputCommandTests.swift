import Foundation
import Testing

/// What reaches standard output and the terminal.
@Suite struct OutputCommandTests {
    @Test(arguments: [
        ["run", "--output", "json"],
        ["run", "--preset", "dev", "--log-format", "json"],
        ["run", "--preset", "dev", "--output", "json"],
        ["run", "simple", "--count", "3", "--log-format", "json", "--log-level", "debug"],
    ])
    func whenResultsAreJSONEveryStdoutLineIsJSON(arguments: [String]) throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        // Logs on standard output, as without ECL_LOG_OUTPUT.
        let run = try cli.run(arguments: arguments + ["--db", ":memory:"], environment: ["ECL_LOG_OUTPUT": "stdout"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdoutLines.isEmpty)
        for line in run.stdoutLines {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "not a JSON object: \(line)")
        }
        #expect(run.stdoutLines.contains { $0.contains(#""workflow_id""#) && $0.contains(#""status":"completed""#) })
        // Text logs and dev's span lines are not lost: they went to standard error.
        if arguments.contains("dev") { #expect(run.stderrLines.contains { $0.hasPrefix("span ") }, "\(run.stderr)") }
        if !arguments.contains("--log-format") { #expect(run.stderr.contains("Workflow execution started")) }
    }

    @Test func controlCharactersFromTheTopicAreShownNotSent() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let topic = "evil \u{1B}[31mred\u{07}\nfake line"
        for arguments in [["run", "simple"], ["run", "simple", "--preset", "dev", "--log-level", "debug"], ["run", "simple", "--log-format", "compact"]] {
            let run = try cli.run(arguments: arguments + ["--topic", topic, "--db", ":memory:"], environment: ["ECL_LOG_OUTPUT": "stdout"])
            #expect(run.status == 0, "\(run.stderr)")
            let bytes = Array(run.stdout.utf8)
            #expect(!bytes.contains(0x1B) && !bytes.contains(0x07), "\(arguments)")
            #expect(run.stdout.contains(#"evil \u001b[31mred\u0007\nfake line"#), "\(arguments): \(run.stdout)")
            #expect(!run.stdoutLines.contains { $0.hasPrefix("fake line") })
        }
        // A bad value in an error line too.
        let bad = try cli.run("run", "--llm", "\u{1B}[2Jgpt")
        #expect(bad.status == 2)
        #expect(!bad.stderr.utf8.contains(0x1B))
        #expect(bad.stderr.contains(#"'\u001b[2Jgpt'"#), "\(bad.stderr)")
    }
}
