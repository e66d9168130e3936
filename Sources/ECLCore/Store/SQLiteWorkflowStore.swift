import Foundation
import GRDB
import Logging
import Tracing

/// The default store: one SQLite file through GRDB, with versioned migrations.
///
/// Tables: `workflows`, `step_executions` and `artifacts`; times are RFC 3339 UTC text with microseconds.
public final class SQLiteWorkflowStore: WorkflowStore {
    /// The file's path, or `:memory:`.
    public let path: String
    private let database: DatabaseQueue
    private let logger: Logger
    private let metrics: EngineMetrics

    /// Opens (creating when needed) the database at `path`, or an in-memory one for `:memory:`, and brings
    /// its schema up to date; with `readOnly`, opens an existing store without creating or changing anything.
    /// The file is in write-ahead-log mode with `synchronous = NORMAL` (see ``SQLiteOpening``), so runs in
    /// several processes share it; a lock is waited on for up to 10 s. Throws ``ECLError/io(_:)`` naming the
    /// path and the reason. Database operations are logged at debug to `logger` and timed in `metrics`.
    public init(
        path: String, readOnly: Bool = false, logger: Logger = Logger(label: "ECLCore.Store"), metrics: EngineMetrics = EngineMetrics()
    ) throws(ECLError) {
        self.path = path
        self.logger = logger
        self.metrics = metrics
        do {
            database = try SQLiteOpening.open(path: path, schema: Self.schema, mode: readOnly ? .readOnly : .readWrite, busyTimeout: 10)
        } catch {
            throw .io("cannot open database '\(path)': \(Self.reason(error, path: path))")
        }
    }

    /// Closes the database: its write-ahead log is checkpointed into the file and removed when no other
    /// process has it open, and the file goes back to a rollback journal then (the next writer switches it
    /// to WAL again), so that `list` and `status` can read it where they cannot write, such as a read-only
    /// directory, and leave no `-wal` or `-shm` file behind. Later calls on the store fail.
    public func close() {
        if path != ":memory:" {
            // Refused (and left in WAL) while another process has the file open: that is fine.
            try? database.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = DELETE") }
        }
        try? database.close()
    }

    /// The migrations applied so far, oldest first.
    public func appliedMigrations() throws(ECLError) -> [String] {
        do { return try database.read { try Self.schema.applied(in: $0) } } catch { throw .io("\(error)") }
    }

    /// The schema's versions, oldest first. Never edit a shipped migration: add a new one.
    static let schema = SQLiteSchema([
        .init("v1_workflows_steps_artifacts", sql: """
            CREATE TABLE workflows (
                id TEXT PRIMARY KEY NOT NULL,
                definition TEXT NOT NULL,
                state TEXT NOT NULL,
                input TEXT NOT NULL,
                output TEXT,
                error TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                completed_at TEXT
            );
            CREATE INDEX workflows_created_at ON workflows(created_at);
            CREATE TABLE step_executions (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                workflow_id TEXT NOT NULL REFERENCES workflows(id),
                step_id TEXT NOT NULL,
                execution_index INTEGER NOT NULL,
                attempt INTEGER NOT NULL,
                state TEXT NOT NULL,
                input TEXT NOT NULL,
                output TEXT,
                error TEXT,
                started_at TEXT NOT NULL,
                completed_at TEXT NOT NULL,
                duration_ms REAL NOT NULL,
                tokens_used INTEGER NOT NULL,
                UNIQUE (workflow_id, step_id, execution_index, attempt)
            );
            CREATE INDEX step_executions_workflow ON step_executions(workflow_id);
            CREATE TABLE artifacts (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                workflow_id TEXT NOT NULL REFERENCES workflows(id),
                step_id TEXT,
                name TEXT NOT NULL,
                content_type TEXT NOT NULL,
                content TEXT NOT NULL,
                created_at TEXT NOT NULL
            );
            CREATE INDEX artifacts_workflow ON artifacts(workflow_id);
            """),
        // Which command run a workflow was part of (a `--count` run's report), and the model each try called.
        .init("v2_run_id_and_model", sql: """
            ALTER TABLE workflows ADD COLUMN run_id TEXT;
            CREATE INDEX workflows_run ON workflows(run_id);
            ALTER TABLE step_executions ADD COLUMN model TEXT;
            """),
    ])

    public func insertWorkflow(_ record: WorkflowRecord) async throws(ECLError) {
        let path = path
        try await write("INSERT", "workflows", "insert workflow \(record.id)") { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM workflows WHERE id = ?", arguments: [record.id.description]) == true {
                throw ECLError.io("workflow \(record.id) is already recorded in '\(path)'; a run needs an id of its own")
            }
            try db.execute(
                sql: """
                    INSERT INTO workflows (id, definition, state, input, output, error, created_at, updated_at, completed_at, run_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.id.description, record.definition, record.state.rawValue, record.input, record.output,
                    record.error, UTCTimestamp.format(record.createdAt), UTCTimestamp.format(record.updatedAt),
                    record.completedAt.map(UTCTimestamp.format), record.runId,
                ])
        }
    }

    public func updateWorkflow(_ record: WorkflowRecord) async throws(ECLError) {
        try await write("UPDATE", "workflows", "update workflow \(record.id)") { db in
            try db.execute(
                sql: """
                    UPDATE workflows SET definition = ?, state = ?, input = ?, output = ?, error = ?, created_at = ?,
                    updated_at = ?, completed_at = ? WHERE id = ?
                    """,
                arguments: [
                    record.definition, record.state.rawValue, record.input, record.output, record.error,
                    UTCTimestamp.format(record.createdAt), UTCTimestamp.format(record.updatedAt),
                    record.completedAt.map(UTCTimestamp.format), record.id.description,
                ])
            if db.changesCount == 0 { throw ECLError.workflowNotFound(record.id) }
        }
    }

    /// Records the given runs that are still `running` as `cancelled` with `reason`, at once and without
    /// waiting on the concurrency pool: for a process that must exit now. Returns how many it changed.
    @discardableResult
    public func markCancelled(_ ids: [WorkflowId], reason: String, at time: Date) throws(ECLError) -> Int {
        guard !ids.isEmpty else { return 0 }
        do {
            return try SQLiteOpening.retrying { try database.write { db in
                let stamp = UTCTimestamp.format(time)
                var changed = 0
                for id in ids {
                    try db.execute(
                        sql: "UPDATE workflows SET state = ?, error = ?, updated_at = ?, completed_at = ? WHERE id = ? AND state = ?",
                        arguments: [
                            WorkflowState.cancelled.rawValue, ECLError.cancelled(reason).description, stamp, stamp, id.description,
                            WorkflowState.running.rawValue,
                        ])
                    changed += db.changesCount
                }
                return changed
            } }
        } catch {
            throw .io("cannot mark workflows cancelled in '\(path)': \(Self.reason(error, path: path))")
        }
    }

    public func insertStepExecution(_ record: StepExecutionRecord) async throws(ECLError) {
        try await write("INSERT", "step_executions", "record step \(record.stepId) of \(record.workflowId)") { db in
            try db.execute(
                sql: """
                    INSERT INTO step_executions (workflow_id, step_id, execution_index, attempt, state, input, output,
                    error, started_at, completed_at, duration_ms, tokens_used, model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.workflowId.description, record.stepId.rawValue, record.executionIndex, record.attempt,
                    record.state.rawValue, record.input, record.output, record.error,
                    UTCTimestamp.format(record.startedAt), UTCTimestamp.format(record.completedAt), record.durationMs,
                    record.tokensUsed, record.model,
                ])
        }
    }

    public func insertArtifact(_ record: ArtifactRecord) async throws(ECLError) {
        try await write("INSERT", "artifacts", "store artifact \(record.name) of \(record.workflowId)") { db in
            try db.execute(
                sql: """
                    INSERT INTO artifacts (workflow_id, step_id, name, content_type, content, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.workflowId.description, record.stepId?.rawValue, record.name, record.contentType,
                    record.content, UTCTimestamp.format(record.createdAt),
                ])
        }
    }

    public func workflow(_ id: WorkflowId) async throws(ECLError) -> WorkflowRecord? {
        try await read("workflows", "read workflow \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM workflows WHERE id = ?", arguments: [id.description]).map(Self.workflow)
        }
    }

    /// The run recorded under `id`, read without a span or a log line: for a check made before a run
    /// starts, which belongs to no trace.
    public func recordedWorkflow(_ id: WorkflowId) throws(ECLError) -> WorkflowRecord? {
        do {
            return try database.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM workflows WHERE id = ?", arguments: [id.description]).map(Self.workflow)
            }
        } catch {
            throw .io("cannot read workflow \(id) in '\(path)': \(Self.reason(error, path: path))")
        }
    }

    public func workflows(limit: Int) async throws(ECLError) -> [WorkflowRecord] {
        try await read("workflows", "list workflows") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM workflows ORDER BY created_at DESC, rowid DESC LIMIT ?", arguments: [limit])
                .map(Self.workflow)
        }
    }

    public func workflows(runId: String) async throws(ECLError) -> [WorkflowRecord] {
        try await read("workflows", "list the workflows of run \(runId)") { db in
            // A store from before run ids has none.
            guard try db.columns(in: "workflows").contains(where: { $0.name == "run_id" }) else { return [] }
            return try Row.fetchAll(db, sql: "SELECT * FROM workflows WHERE run_id = ? ORDER BY created_at, rowid", arguments: [runId])
                .map(Self.workflow)
        }
    }

    public func stepExecutions(of id: WorkflowId) async throws(ECLError) -> [StepExecutionRecord] {
        try await stepExecutions(ofAll: [id])[id] ?? []
    }

    /// The step tries of many runs, each run's in the order they happened: a query for 500 runs at a time
    /// (a report of many runs reads them without a query each).
    public func stepExecutions(ofAll ids: [WorkflowId]) async throws(ECLError) -> [WorkflowId: [StepExecutionRecord]] {
        try await read("step_executions", ids.count == 1 ? "read steps of \(ids[0])" : "read steps of \(ids.count) workflows") { db in
            var tries: [WorkflowId: [StepExecutionRecord]] = [:]
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = ids[start..<min(start + 500, ids.count)].map(\.description)
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                let rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM step_executions WHERE workflow_id IN (\(marks)) ORDER BY id", arguments: StatementArguments(chunk))
                for record in try rows.map(Self.stepExecution) { tries[record.workflowId, default: []].append(record) }
            }
            return tries
        }
    }

    private static func stepExecution(_ row: Row) throws -> StepExecutionRecord {
        let table = "step_executions"
        return StepExecutionRecord(
            workflowId: try workflowId(value(row, "workflow_id", table)), stepId: StepId(try value(row, "step_id", table)),
            executionIndex: try value(row, "execution_index", table), attempt: try value(row, "attempt", table),
            state: try enumValue(value(row, "state", table), column: "step_executions.state"),
            input: try value(row, "input", table), output: try value(row, "output", table),
            error: try value(row, "error", table), startedAt: try date(value(row, "started_at", table)),
            completedAt: try date(value(row, "completed_at", table)), durationMs: try value(row, "duration_ms", table),
            tokensUsed: try value(row, "tokens_used", table),
            model: row.hasColumn("model") ? try value(row, "model", table) : nil)
    }

    public func artifacts(of id: WorkflowId) async throws(ECLError) -> [ArtifactRecord] {
        try await read("artifacts", "read artifacts of \(id)") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM artifacts WHERE workflow_id = ? ORDER BY id", arguments: [id.description])
                .map { row in
                    ArtifactRecord(
                        workflowId: try Self.workflowId(row["workflow_id"]),
                        stepId: (row["step_id"] as String?).map { StepId($0) }, name: row["name"],
                        contentType: row["content_type"], content: row["content"], createdAt: try Self.date(row["created_at"]))
                }
        }
    }

    // MARK: - Helpers

    private func write(
        _ operation: String, _ table: String, _ what: String, _ body: @escaping @Sendable (Database) throws -> Void
    ) async throws(ECLError) {
        let result: Result<Void, ECLError> = await observed(operation, table) {
            // A record is written even when the run is being cancelled (that is when its end matters most):
            // the write runs in a task of its own, which does not inherit the caller's cancellation.
            let database = database
            // Another process's lock that outlasts the busy timeout, or two transactions SQLite will not let
            // wait for each other: tried again (see SQLiteOpening.retrying).
            let write = Task { try await SQLiteOpening.retrying { try await database.write(body) } }
            do { try await write.value } catch let error as ECLError { return .failure(error) } catch {
                return .failure(.io("cannot \(what) in '\(path)': \(Self.reason(error, path: path))"))
            }
            return .success(())
        }
        try result.get()
    }

    private func read<T: Sendable>(
        _ table: String, _ what: String, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws(ECLError) -> T {
        let result: Result<T, ECLError> = await observed("SELECT", table) {
            do { return .success(try await database.read(body)) } catch let error as ECLError { return .failure(error) } catch {
                return .failure(.io("cannot \(what) in '\(path)': \(Self.reason(error, path: path))"))
            }
        }
        return try result.get()
    }

    /// Runs a database operation in a ``DatabaseSpan`` and logs it, measured, at debug: "Operation completed"
    /// with `operation`, `table` and `duration_ms`.
    private func observed<T: Sendable>(
        _ operation: String, _ table: String, _ body: () async -> Result<T, ECLError>
    ) async -> Result<T, ECLError> {
        await DatabaseSpan(operation: operation).table(table).run { span in
            let start = ContinuousClock.now
            let result = await body()
            metrics.storeOperation(
                system: "sqlite", operation: operation, table: table, durationSeconds: (ContinuousClock.now - start).milliseconds / 1000,
                error: result.failure)
            if case .failure(let error) = result {
                span.recordError(error)
                span.setStatus(SpanStatus(code: .error, message: "\(error)"))
                logger.error("Database operation failed", metadata: [
                    LogField.operation: .string(operation), LogField.table: .string(table), LogField.error: "\(error)",
                ])
            } else {
                logger.recordPerformance(
                    operation: operation, durationMs: (ContinuousClock.now - start).milliseconds, level: .debug,
                    fields: [LogField.table: .string(table)])
            }
            return result
        }
    }

    private static func workflow(_ row: Row) throws -> WorkflowRecord {
        let table = "workflows"
        return WorkflowRecord(
            id: try workflowId(value(row, "id", table)), definition: try value(row, "definition", table),
            state: try enumValue(value(row, "state", table), column: "workflows.state"), input: try value(row, "input", table),
            output: try value(row, "output", table), error: try value(row, "error", table),
            createdAt: try date(value(row, "created_at", table)), updatedAt: try date(value(row, "updated_at", table)),
            completedAt: try (value(row, "completed_at", table) as String?).map(date),
            runId: row.hasColumn("run_id") ? try value(row, "run_id", table) : nil)
    }

    /// A column's value, or an error naming the column when the store holds something else there (a text
    /// where a number belongs): never GRDB's fatal error on a value that does not convert.
    private static func value<Value: DatabaseValueConvertible>(_ row: Row, _ column: String, _ table: String) throws -> Value {
        do { return try row.decode(Value.self, forColumn: column) } catch {
            let stored = (row[column] as DatabaseValue?).map { "\($0)" } ?? "nothing"
            throw ECLError.io("corrupt value in \(table).\(column): \(stored.count > 80 ? String(stored.prefix(80)) + "…" : stored)")
        }
    }

    private static func workflowId(_ text: String) throws -> WorkflowId {
        guard let id = WorkflowId(text) else { throw ECLError.io("corrupt workflow id in the store: '\(text)'") }
        return id
    }

    private static func date(_ text: String) throws -> Date {
        guard let date = UTCTimestamp.parse(text) else { throw ECLError.io("corrupt timestamp in the store: '\(text)'") }
        return date
    }

    private static func enumValue<E: RawRepresentable<String>>(_ text: String, column: String) throws -> E {
        guard let value = E(rawValue: text) else { throw ECLError.io("corrupt value in \(column): '\(text)'") }
        return value
    }

    private static func reason(_ error: any Error, path: String) -> String {
        if let error = error as? DatabaseError {
            if error.resultCode == .SQLITE_CANTOPEN {
                let directory = (path as NSString).deletingLastPathComponent
                if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
                    return "directory '\(directory)' does not exist"
                }
            }
            return error.message ?? "\(error.resultCode)"
        }
        return "\(error)"
    }
}
