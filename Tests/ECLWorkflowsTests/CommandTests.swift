import Foundation
import TestSupport
import Testing

@Suite struct CommandTests {
    @Test func noArgumentsRunsCritiqueReviseOffline() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let outcome = try cli.run()
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("Workflow critique-revise"))
        #expect(outcome.stdout.contains("completed"))
        #expect(outcome.stdout.contains("Final draft (revision 1)"))
        #expect(FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("ecl.db").path))
    }

    @Test func manyFaultyWorkflowsAllFinishWithRetriesInTheStore() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run(
            "run", "critique-revise", "--count", "30", "--concurrency", "8", "--llm-fault-rate", "0.2", "--seed", "7",
            "--output", "json")
        #expect(run.status == 0)
        let lines = try run.stdoutLines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.count == 31)
        let summary = try #require(lines.last?["summary"] as? [String: Any])
        #expect(summary["completed"] as? Int == 30)
        let retries = try #require(summary["retries"] as? Int)
        #expect(retries > 0)

        // Every retry is visible in `status`.
        var seen = 0
        for line in lines.dropLast() {
            let id = try #require(line["workflow_id"] as? String)
            let status = try cli.run("status", id, "--output", "json")
            #expect(status.status == 0)
            let document = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as! [String: Any]
            let steps = try #require(document["steps"] as? [[String: Any]])
            seen += steps.filter { ($0["attempt"] as? Int ?? 1) > 1 }.count
            #expect((document["workflow"] as? [String: Any])?["state"] as? String == "completed")
        }
        #expect(seen == retries)
        let list = try cli.run("list", "--limit", "100", "--output", "json")
        #expect(list.stdoutLines.count == 30)
    }

    @Test func modelCallsOfConcurrentWorkflowsRunAtOnce() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        // A Messages API that answers every call after a second (long enough for all eight workflows' calls to
        // arrive first on a loaded machine) with a critique that passes.
        let critique = #"{\"decision\": \"pass\", \"critique\": \"fine\", \"feedback\": \"\"}"#
        let body = #"{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"\#(critique)"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":2}}"#
        let api = try LocalHTTPServer(fallback: .respond(status: 200, body: body, after: 1))
        defer { api.stop() }
        let run = try cli.run(
            arguments: ["run", "simple", "--llm", "claude", "--count", "8", "--concurrency", "8", "--db", ":memory:", "--output", "json"],
            environment: ["ANTHROPIC_API_KEY": "sk-test-key", "ANTHROPIC_BASE_URL": api.baseURL])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdoutLines.last?.contains(#""completed":8"#) == true, "\(run.stdout)")
        // Two calls a workflow (generate, critique); the eight workflows' calls overlapped at the server.
        #expect(api.requests.count == 16)
        #expect(api.peakConcurrentRequests == 8)
    }

    @Test func aGivenIdIsTheFirstOfMany() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let id = "123e4567-e89b-42d3-a456-426614174000"
        let run = try cli.run("run", "simple", "--workflow-id", id.uppercased(), "--count", "3", "--output", "json")
        #expect(run.status == 0)
        #expect(run.stdoutLines.first?.contains("\"workflow_id\":\"\(id)\"") == true)
        #expect(Set(run.stdoutLines.prefix(3)).count == 3)
        let status = try cli.run("status", id)
        #expect(status.status == 0)
        #expect(status.stdout.contains("Workflow simple \(id): completed"))
    }

    @Test func aFailedWorkflowExitsOneAndIsRecorded() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run("run", "--offline-revisions", "5", "--max-revisions", "1", "--output", "json")
        #expect(run.status == 1)
        let result = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        #expect(result["status"] as? String == "failed")
        let id = try #require(result["workflow_id"] as? String)
        let status = try cli.run("status", id)
        #expect(status.stdout.contains("failed"))
        #expect(status.stdout.contains("still not accepted after 1 revision (the maximum)"))
        #expect(status.stdout.contains("critique #1"))
    }

    @Test(arguments: [
        (["run", "--workflow-id", "abc"], ["--workflow-id", "'abc'", "UUID"]),
        (["run", "nope"], ["workflow", "'nope'", "simple or critique-revise"]),
        (["run", "--topic", ""], ["--topic", "empty", "1 to 500"]),
        (["run", "--topic", String(repeating: "t", count: 501)], ["--topic", "501 characters", "1 to 500"]),
        (["run", "--count", "0"], ["--count", "'0'", "1 or more"]),
        (["run", "--count", "many"], ["--count", "'many'", "1 or more"]),
        (["run", "--concurrency", "-2"], ["--concurrency", "'-2'", "from 1 to 10000"]),
        (["run", "--concurrency", "100000"], ["--concurrency", "'100000'", "from 1 to 10000"]),
        (["run", "--db", "/tmp"], ["--db", "'/tmp'", "is a directory"]),
        (["run", "--db", "/nonexistent-ecl-dir/x.db"], ["--db", "/nonexistent-ecl-dir", "does not exist"]),
        (["run", "--llm", "gpt"], ["--llm", "'gpt'", "offline or claude"]),
        (["run", "--llm", "claude"], ["ANTHROPIC_API_KEY"]),
        (["run", "--llm-fault-rate", "1.5"], ["--llm-fault-rate", "'1.5'", "0 to 1"]),
        (["run", "--seed", "x"], ["--seed", "'x'"]),
        (["run", "--output", "xml"], ["--output", "'xml'", "text or json"]),
        (["run", "--max-revisions", "-1"], ["--max-revisions", "'-1'", "0 or more"]),
        (["status", "not-an-id"], ["workflow-id", "'not-an-id'", "UUID"]),
        (["status", "123e4567-e89b-42d3-a456-426614174000"], ["--db", "'ecl.db'", "no such file"]),
        (["list", "--db", "missing.db"], ["--db", "'missing.db'", "no such file"]),
        (["run", "--frobnicate"], ["--frobnicate"]),
    ])
    func badInputIsOneLineAndExitTwo(arguments: [String], mentions: [String]) throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let process = try cli.run(arguments: arguments)
        #expect(process.status == 2)
        #expect(process.stderrLines.count == 1, "stderr: \(process.stderr)")
        for word in mentions { #expect(process.stderr.contains(word), "missing \(word) in \(process.stderr)") }
        #expect(process.stdout.isEmpty)
    }

    @Test func helpExitsZero() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let help = try cli.run("run", "--help")
        #expect(help.status == 0)
        #expect(help.stdout.contains("--llm-fault-rate"))
        let version = try cli.run("--version")
        #expect(version.status == 0)
        #expect(version.stdout == "0.1.0\n")
    }
}

