import ECLCore
import Foundation
import TestSupport
import Testing

@Suite struct SQLiteStoreTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ecl-store-\(UUID()).db").path

    func cleanUp() {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    @Test func freshFileGetsEveryMigration() throws {
        defer { cleanUp() }
        let store = try SQLiteWorkflowStore(path: path)
        #expect(try store.appliedMigrations() == ["v1_workflows_steps_artifacts", "v2_run_id_and_model"])
        #expect(FileManager.default.fileExists(atPath: path))
        // Reopening applies nothing twice.
        #expect(try SQLiteWorkflowStore(path: path).appliedMigrations() == ["v1_workflows_steps_artifacts", "v2_run_id_and_model"])
    }

    @Test func recordsRoundTripWithSubSecondUTCTimes() async throws {
        defer { cleanUp() }
        let created = Date(timeIntervalSince1970: 1_764_000_000.123456)
        let id = WorkflowId()
        var workflow = WorkflowRecord(
            id: id, definition: "critique-revise", state: .running, input: #"{"topic":"é \"quoted\""}"#,
            createdAt: created, updatedAt: created, runId: "run-1")
        let step = StepExecutionRecord(
            workflowId: id, stepId: "generate", executionIndex: 0, attempt: 2, state: .failed, input: "{}",
            error: "LLM error (HTTP 503)", startedAt: created, completedAt: created.addingTimeInterval(0.25),
            durationMs: 250, tokensUsed: 42, model: "claude-x")
        do {
            let store = try SQLiteWorkflowStore(path: path)
            try await store.insertWorkflow(workflow)
            try await store.insertStepExecution(step)
            workflow.state = .completed
            workflow.output = #"{"ok":true}"#
            workflow.completedAt = created.addingTimeInterval(1)
            try await store.updateWorkflow(workflow)
            try await store.insertArtifact(.init(workflowId: id, stepId: nil, name: "n", contentType: "text/plain", content: "c", createdAt: created))
        }
        let reopened = try SQLiteWorkflowStore(path: path)
        let read = try #require(try await reopened.workflow(id))
        #expect(read.id == id)
        #expect(read.state == .completed)
        #expect(read.input == workflow.input)
        #expect(read.output == workflow.output)
        #expect(abs(read.createdAt.timeIntervalSince(created)) < 0.000_002)
        #expect(try await reopened.stepExecutions(of: id) == [step].map { row in
            var row = row
            row.startedAt = try! #require(UTCTimestamp.parse(UTCTimestamp.format(row.startedAt)))
            row.completedAt = try! #require(UTCTimestamp.parse(UTCTimestamp.format(row.completedAt)))
            return row
        })
        #expect(try await reopened.artifacts(of: id).map(\.content) == ["c"])
        #expect(try await reopened.workflows(limit: 10).map(\.id) == [id])
        #expect(try await reopened.workflow(WorkflowId()) == nil)
        // The command run's id is kept across updates, and selects the run's workflows.
        #expect(read.runId == "run-1")
        #expect(try await reopened.workflows(runId: "run-1").map(\.id) == [id])
        #expect(try await reopened.workflows(runId: "run-2").isEmpty)
    }

    @Test func aStoreFromBeforeRunIdsIsMigratedAndReadAsItWas() async throws {
        defer { cleanUp() }
        // A file as version 1 made it: its schema, one workflow, no run id or model columns.
        do {
            let store = try SQLiteWorkflowStore(path: path)
            try await store.insertWorkflow(WorkflowRecord(id: WorkflowId(), definition: "simple", state: .completed, input: "{}", createdAt: Date(), updatedAt: Date()))
        }
        let sqlite = try Subprocess.run("python3", ["-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.executescript("DROP INDEX IF EXISTS workflows_run; ALTER TABLE workflows DROP COLUMN run_id; ALTER TABLE step_executions DROP COLUMN model; DELETE FROM grdb_migrations WHERE identifier = 'v2_run_id_and_model';")
            db.commit()
            """, path])
        #expect(sqlite.status == 0, "\(sqlite.output)")
        // Read only, as list and status open it: nothing migrated, the old rows read, no run found.
        let reader = try SQLiteWorkflowStore(path: path, readOnly: true)
        #expect(try reader.appliedMigrations() == ["v1_workflows_steps_artifacts"])
        #expect(try await reader.workflows(limit: 5).map(\.runId) == [nil])
        #expect(try await reader.workflows(runId: "any").isEmpty)
        // Opened to write, as a run opens it: migrated once, the old row kept.
        let writer = try SQLiteWorkflowStore(path: path)
        #expect(try writer.appliedMigrations() == ["v1_workflows_steps_artifacts", "v2_run_id_and_model"])
        #expect(try await writer.workflows(limit: 5).count == 1)
    }

    @Test func updatingAnUnknownWorkflowFails() async throws {
        let store = try SQLiteWorkflowStore(path: ":memory:")
        let record = WorkflowRecord(id: WorkflowId(), definition: "d", state: .failed, input: "{}", createdAt: Date(), updatedAt: Date())
        await #expect(throws: ECLError.workflowNotFound(record.id)) { try await store.updateWorkflow(record) }
    }

    @Test func duplicateAttemptsAreRejected() async throws {
        let store = try SQLiteWorkflowStore(path: ":memory:")
        let id = WorkflowId()
        try await store.insertWorkflow(.init(id: id, definition: "d", state: .running, input: "{}", createdAt: Date(), updatedAt: Date()))
        let row = StepExecutionRecord(
            workflowId: id, stepId: "s", executionIndex: 0, attempt: 1, state: .succeeded, input: "{}",
            startedAt: Date(), completedAt: Date(), durationMs: 1, tokensUsed: 1)
        try await store.insertStepExecution(row)
        await #expect(throws: ECLError.self) { try await store.insertStepExecution(row) }
    }

    @Test func filesAreInWriteAheadLogMode() throws {
        defer { cleanUp() }
        // The file header's read and write versions (bytes 18 and 19) are 2 in WAL mode, 1 with a rollback journal.
        let store = try SQLiteWorkflowStore(path: path)
        let header = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(20)
        #expect(Array(header.suffix(2)) == [2, 2])
        // Closed by its last user, it is a plain file again: readable without writing anything beside it.
        store.close()
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(20).suffix(2)) == [1, 1])
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        let reader = try SQLiteWorkflowStore(path: path, readOnly: true)
        #expect(try reader.appliedMigrations() == ["v1_workflows_steps_artifacts", "v2_run_id_and_model"])
        reader.close()
        #expect(!FileManager.default.fileExists(atPath: path + "-wal") && !FileManager.default.fileExists(atPath: path + "-shm"))
    }

    @Test func manyOpeningsOfANewFileApplyTheSchemaOnce() async throws {
        defer { cleanUp() }
        // Eight connections create the same new file at once: none fails, the migration is applied once.
        let failures = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<8 {
                group.addTask { [path] in
                    do { _ = try SQLiteWorkflowStore(path: path) } catch { return "\(error)" }
                    return nil
                }
            }
            return await group.reduce(into: [String]()) { if let failure = $1 { $0.append(failure) } }
        }
        #expect(failures.isEmpty, "\(failures)")
        #expect(try SQLiteWorkflowStore(path: path).appliedMigrations() == ["v1_workflows_steps_artifacts", "v2_run_id_and_model"])
    }

    @Test func readOnlyNeverCreatesAFileAndRefusesOneThatIsNotAStore() throws {
        defer { cleanUp() }
        #expect { try SQLiteWorkflowStore(path: path, readOnly: true) } throws: { "\($0)".contains("no such file") }
        #expect(!FileManager.default.fileExists(atPath: path))
        FileManager.default.createFile(atPath: path, contents: Data())
        #expect { try SQLiteWorkflowStore(path: path, readOnly: true) } throws: { "\($0)".contains("not one of this program's databases") }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty)
    }

    @Test func aTakenIdIsRefusedAndTheEarlierRecordKept() async throws {
        let store = try SQLiteWorkflowStore(path: ":memory:")
        let time = Date(timeIntervalSince1970: 1_764_000_000.5)
        let record = WorkflowRecord(id: WorkflowId(), definition: "d", state: .completed, input: "{}", output: "{}", createdAt: time, updatedAt: time)
        try await store.insertWorkflow(record)
        var again = record
        again.state = .running
        await #expect { try await store.insertWorkflow(again) } throws: { "\($0)".contains("already recorded") }
        #expect(try store.recordedWorkflow(record.id) == record)
    }

    @Test func unopenablePathsSayWhy() {
        #expect {
            try SQLiteWorkflowStore(path: "/nonexistent-dir-\(UUID())/ecl.db")
        } throws: { error in
            "\(error)".contains("does not exist") && "\(error)".contains("nonexistent-dir")
        }
    }

    @Test func timestampsAreRFC3339WithMicroseconds() throws {
        let date = Date(timeIntervalSince1970: 1_764_081_908.5)
        #expect(UTCTimestamp.format(date) == "2025-11-25T14:45:08.500000Z")
        #expect(UTCTimestamp.parse("2025-11-25T14:45:08.500000Z") == date)
        #expect(UTCTimestamp.parse("2025-11-25T14:45:08Z") == Date(timeIntervalSince1970: 1_764_081_908))
        #expect(UTCTimestamp.parse("2025-11-25 14:45:08") == nil)
        #expect(UTCTimestamp.format(Date(timeIntervalSince1970: 0.9999999)) == "1970-01-01T00:00:01.000000Z")
    }
}
