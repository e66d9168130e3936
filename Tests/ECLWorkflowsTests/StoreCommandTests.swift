import Foundation
import TestSupport
import Testing

/// The store as users share it: several runs on one file, ids given twice, commands that only read.
@Suite struct StoreCommandTests {
    @Test func fourProcessesOnOneFreshStoreRecordEveryWorkflow() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        // Four runs of 50 start together on the default ecl.db, which none of them finds.
        let processes = try (0..<4).map { _ in
            try cli.start(arguments: ["run", "simple", "--count", "50", "--concurrency", "4", "--output", "json"])
        }
        let outcomes = try processes.map { try $0.wait() }
        for outcome in outcomes { #expect(outcome.status == 0, "\(outcome.stderr)") }
        let list = try cli.run("list", "--limit", "1000", "--output", "json")
        #expect(list.status == 0, "\(list.stderr)")
        let states = try list.stdoutLines.map { try #require((try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["state"] as? String) }
        #expect(states.count == 200)
        #expect(states.allSatisfy { $0 == "completed" })
    }

    @Test func aReusedWorkflowIdIsRefusedBeforeAnythingRunsAndTheEarlierRunKept() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let id = "123e4567-e89b-42d3-a456-426614174000"
        #expect(try cli.run("run", "simple", "--workflow-id", id).status == 0)
        let before = try cli.run("status", id, "--output", "json").stdout
        let again = try cli.run("run", "simple", "--workflow-id", id, "--log-level", "info")
        #expect(again.status == 2)
        #expect(again.stderrLines.count == 1, "\(again.stderr)")
        for word in ["--workflow-id", id, "already recorded", "'ecl.db'", "simple", "completed", "started 20"] {
            #expect(again.stderr.contains(word), "missing \(word) in \(again.stderr)")
        }
        #expect(again.stdout.isEmpty)
        #expect(try cli.run("status", id, "--output", "json").stdout == before)
        #expect(try cli.run("list", "--output", "json").stdoutLines.count == 1)
    }

    @Test func readCommandsReadAStoreWhereTheyCannotWrite() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let id = "123e4567-e89b-42d3-a456-426614174000"
        #expect(try cli.run("run", "simple", "--workflow-id", id, "--log-sql", "sqlite:logs.db").status == 0)
        // `list` and `logs` as an unprivileged user, in a directory (and of files) it may read but not write.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: cli.directory.path)
        func asNobody(_ arguments: [String]) throws -> (status: Int32, output: String) {
            try Subprocess.run(
                "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", CommandRunner.binary.path] + arguments,
                in: cli.directory)
        }
        let list = try asNobody(["list", "--output", "json"])
        #expect(list.status == 0, "\(list.output)")
        #expect(list.output.contains(#""state":"completed""#), "\(list.output)")
        let logs = try asNobody(["logs", "--workflow-id", id, "--log-sql", "sqlite:logs.db", "--output", "json"])
        #expect(logs.status == 0, "\(logs.output)")
        #expect(logs.output.contains("Workflow execution started"), "\(logs.output)")
        let files = try FileManager.default.contentsOfDirectory(atPath: cli.directory.path)
        #expect(files.filter { $0.hasPrefix("ecl.db") || $0.hasPrefix("logs.db") }.sorted() == ["ecl.db", "logs.db"], "\(files)")
    }

    @Test func readCommandsNeitherCreateAStoreNorOpenTheLogDatabase() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let missing = cli.directory.appendingPathComponent("missing.db").path
        let status = try cli.run("status", "123e4567-e89b-42d3-a456-426614174000", "--db", missing)
        #expect(status.status == 2)
        #expect(status.stderr.contains("no such file"), "\(status.stderr)")
        #expect(!FileManager.default.fileExists(atPath: missing))

        let notAStore = cli.directory.appendingPathComponent("notes.txt").path
        FileManager.default.createFile(atPath: notAStore, contents: Data("hello\n".utf8))
        let list = try cli.run("list", "--db", notAStore)
        #expect(list.status == 2)
        #expect(list.stderr.contains("'\(notAStore)'") && list.stderr.contains("file is not a database"), "\(list.stderr)")
        #expect(try String(contentsOfFile: notAStore, encoding: .utf8) == "hello\n")

        // A log database that cannot be opened does not stop them: they never use it.
        #expect(try cli.run("run", "simple").status == 0)
        let badLogs = ["ECL_LOG_SQL_URL": "sqlite:/nonexistent-ecl-dir/logs.db"]
        let listed = try cli.run(arguments: ["list", "--output", "json"], environment: badLogs)
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdoutLines.count == 1)
        #expect(listed.stderr.isEmpty, "\(listed.stderr)")
    }
}
