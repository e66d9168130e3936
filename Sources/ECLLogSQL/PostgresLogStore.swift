#if PostgreSQL
import ECLCore
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// Log events in PostgreSQL (postgres-nio), with versioned migrations kept in `ecl_log_migrations`: `log_events`
/// (timestamps as `timestamptz`, fields as `jsonb`) and its indexes on workflow_id, timestamp and level.
///
/// One connection, opened at start-up (so a wrong host or password is an error then) and opened again on the
/// next call after the server drops it. Calls block their thread: they come from the SQL writer's own thread,
/// or from the caller in synchronous mode, never from an event loop.
public final class PostgresLogStore: LogEventStore {
    /// The URL with its password hidden.
    public let location: String
    private let configuration: PostgresConnection.Configuration
    private let connection = Mutex<PostgresConnection?>(nil)
    /// postgres-nio's own log lines go nowhere: through the process's logging system they would come back here.
    private let silent = Logger(label: "ecl.log-sql.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// At most this many rows a statement: 11 parameters a row stays under PostgreSQL's 65,535.
    static let rowsPerStatement = 5000

    /// Connects and migrates; the error names the URL (password hidden) and the server's reason.
    public init(url: PostgresURL) throws(ECLError) {
        location = url.redacted
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: .disable)
        switch url.sslMode {
        case .disable: configuration.tls = .disable
        case .prefer, .require:
            do {
                let context = try NIOSSLContext(configuration: .makeClientConfiguration())
                configuration.tls = url.sslMode == .require ? .require(context) : .prefer(context)
            } catch {
                throw .config("cannot set up TLS for '\(location)': \(error)")
            }
        }
        configuration.options.connectTimeout = .seconds(5)
        self.configuration = configuration
        try withConnection { connection throws(ECLError) in try migrate(connection) }
    }

    deinit { close() }

    public func insert(_ events: [StoredLogLine]) throws(ECLError) -> Int {
        guard !events.isEmpty else { return 0 }
        var added = 0
        try withConnection { connection throws(ECLError) in
            let chunks = stride(from: 0, to: events.count, by: Self.rowsPerStatement).map {
                events[$0..<min($0 + Self.rowsPerStatement, events.count)]
            }
            if chunks.count == 1 {
                added = try run(Self.insertQuery(chunks[0]), on: connection, doing: "write log events to").metadata.rows ?? 0
                return
            }
            try inTransaction(on: connection, doing: "write log events to") { () throws(ECLError) in
                for chunk in chunks {
                    added += try run(Self.insertQuery(chunk), on: connection, doing: "write log events to").metadata.rows ?? 0
                }
            }
        }
        return added
    }

    public func events(workflowId: String, minimumLevel: String?, since: Date?) throws(ECLError) -> [StoredLogLine] {
        var sql = """
            SELECT timestamp, level, target, message, workflow_id::text, step_id, trace_id, span_id, fields::text, duration_ms,
            tokens_used FROM log_events WHERE workflow_id = $1
            """
        // The column holds UUIDs: an id that is not one has no rows.
        guard let uuid = UUID(uuidString: workflowId) else { return [] }
        var binds = PostgresBindings()
        binds.append(uuid)
        if let allowed = StoredLogLine.levels(atOrAbove: minimumLevel) {
            binds.append(Array(allowed))
            sql += " AND lower(level) = ANY($\(binds.count))"
        }
        if let since {
            binds.append(since)
            sql += " AND timestamp >= $\(binds.count)"
        }
        sql += " ORDER BY timestamp, id"
        let query = PostgresQuery(unsafeSQL: sql, binds: binds)
        return try withConnection { connection throws(ECLError) in
            let rows = try run(query, on: connection, doing: "read log events from").rows
            do {
                return try rows.map { row in
                    let (timestamp, level, logger, message, workflow, step, trace, span, fields, duration, tokens) = try row.decode(
                        (Date, String, String, String, String?, String?, String?, String?, String, Double?, Int?).self)
                    return StoredLogLine(
                        timestamp: timestamp, level: level, logger: logger, message: message, workflowId: workflow, stepId: step,
                        traceId: trace, spanId: span, fields: fields, durationMs: duration, tokensUsed: tokens)
                }
            } catch {
                throw .io("cannot read log events from '\(location)': \(String(reflecting: error))")
            }
        }
    }

    public func deleteEvents(olderThan cutoff: Date) throws(ECLError) -> Int {
        var binds = PostgresBindings()
        binds.append(cutoff)
        let query = PostgresQuery(unsafeSQL: "DELETE FROM log_events WHERE timestamp < $1", binds: binds)
        return try withConnection { connection throws(ECLError) in
            try run(query, on: connection, doing: "delete log events from").metadata.rows ?? 0
        }
    }

    public func close() {
        connection.withLock { connection in
            if let open = connection {
                // Never wait on the connection's own event loop (a deinit could run there).
                if open.eventLoop.inEventLoop { let _: EventLoopFuture<Void> = open.close() } else { try? open.close().wait() }
            }
            connection = nil
        }
    }

    // MARK: Connection

    /// Runs `body` on the open connection, opening it first if needed; a connection the server dropped is
    /// forgotten so that the next call opens a new one.
    private func withConnection<T>(_ body: (PostgresConnection) throws(ECLError) -> T) throws(ECLError) -> T {
        try connection.withLock { (current: inout PostgresConnection?) throws(ECLError) -> T in
            if let open = current, open.isClosed { current = nil }
            let open: PostgresConnection
            if let existing = current {
                open = existing
            } else {
                do {
                    open = try PostgresConnection.connect(
                        on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1, logger: silent
                    ).wait()
                } catch {
                    throw .io("cannot connect to '\(location)': \(Self.reason(error))")
                }
                current = open
            }
            do throws(ECLError) {
                return try body(open)
            } catch {
                if open.isClosed { current = nil }
                throw error
            }
        }
    }

    @discardableResult
    private func run(_ query: PostgresQuery, on connection: PostgresConnection, doing action: String) throws(ECLError) -> PostgresQueryResult {
        do {
            return try connection.query(query, logger: silent).wait()
        } catch {
            throw .io("cannot \(action) '\(location)': \(Self.reason(error))")
        }
    }

    /// Runs `body` between BEGIN and COMMIT; any failure rolls back and is rethrown.
    private func inTransaction(
        on connection: PostgresConnection, doing action: String, _ body: () throws(ECLError) -> Void
    ) throws(ECLError) {
        try run("BEGIN", on: connection, doing: action)
        do throws(ECLError) {
            try body()
            try run("COMMIT", on: connection, doing: action)
        } catch {
            _ = try? run("ROLLBACK", on: connection, doing: "roll back")
            throw error
        }
    }

    /// The server's message (with its SQLSTATE), or the connection's failure; never the password.
    static func reason(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] {
            return message + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
        }
        if let underlying = error.underlying {
            let text = "\(underlying)"
            if text.contains("Connection refused") { return "connection refused (no server listening there)" }
            if text.lowercased().contains("timeout") || text.lowercased().contains("timed out") { return "the connection timed out" }
            return "\(error.code): \(text)"
        }
        return "\(error.code)"
    }

    // MARK: Statements

    static func insertQuery(_ events: ArraySlice<StoredLogLine>) -> PostgresQuery {
        var binds = PostgresBindings(capacity: events.count * 12)
        var sql = """
            INSERT INTO log_events (timestamp, level, target, message, workflow_id, step_id, trace_id, span_id, fields,
            duration_ms, tokens_used, record_id) VALUES
            """
        sql.reserveCapacity(sql.utf8.count + events.count * 90)
        for (row, event) in events.enumerated() {
            let first = row * 12
            sql += row == 0 ? " (" : ", ("
            for column in 1...12 {
                sql += column == 1 ? "$\(first + column)" : column == 9 ? ", $\(first + column)::jsonb" : ", $\(first + column)"
            }
            sql += ")"
            binds.append(event.timestamp)
            binds.append(event.level)
            binds.append(event.logger)
            binds.append(event.message)
            binds.append(event.workflowId.flatMap(UUID.init(uuidString:)))
            binds.append(event.stepId)
            binds.append(event.traceId)
            binds.append(event.spanId)
            binds.append(event.fields)
            binds.append(event.durationMs)
            binds.append(event.tokensUsed)
            binds.append(event.recordID)
        }
        // One row per event: a replayed dump or spool adds nothing already stored.
        sql += " ON CONFLICT (record_id) DO NOTHING"
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    /// A UUID in its text form, either case.
    static let uuidPattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

    /// Each migration once, in order, under an advisory lock so that two processes starting together agree.
    static let migrations: [(id: String, statements: [String])] = [
        ("v1_log_events", [
            """
            CREATE TABLE log_events (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                timestamp TIMESTAMPTZ NOT NULL,
                level TEXT NOT NULL,
                logger TEXT NOT NULL,
                message TEXT NOT NULL,
                workflow_id TEXT,
                step_id TEXT,
                trace_id TEXT,
                span_id TEXT,
                fields JSONB NOT NULL,
                duration_ms DOUBLE PRECISION,
                tokens_used BIGINT
            )
            """,
            "CREATE INDEX log_events_workflow_id ON log_events (workflow_id)",
            "CREATE INDEX log_events_timestamp ON log_events (timestamp)",
            "CREATE INDEX log_events_level ON log_events (level)",
        ]),
        ("v2_record_id", [
            "ALTER TABLE log_events ADD COLUMN record_id TEXT",
            "CREATE UNIQUE INDEX log_events_record_id ON log_events (record_id)",
        ]),
        // The stage design's columns: the logger's label is `target`, the time defaults to now(), and the
        // workflow id is a UUID (an id that is not one, from another producer's dump, stays in `fields`).
        ("v3_stage_columns", [
            "ALTER TABLE log_events RENAME COLUMN logger TO target",
            "ALTER TABLE log_events ALTER COLUMN timestamp SET DEFAULT now()",
            // An id that is not a UUID leaves the column: first it is put in the row's fields, if they lack it.
            """
            UPDATE log_events SET fields = jsonb_set(fields, '{workflow_id}', to_jsonb(workflow_id))
            WHERE workflow_id !~* '\(uuidPattern)' AND NOT fields ? 'workflow_id'
            """,
            """
            ALTER TABLE log_events ALTER COLUMN workflow_id TYPE UUID
            USING (CASE WHEN workflow_id ~* '\(uuidPattern)' THEN workflow_id::uuid END)
            """,
        ]),
    ]

    private func migrate(_ connection: PostgresConnection) throws(ECLError) {
        let action = "migrate"
        try inTransaction(on: connection, doing: action) { () throws(ECLError) in
            // An arbitrary constant naming ECL's migrations lock ("ECLLOGS" in ASCII).
            try run("SELECT pg_advisory_xact_lock(4532411079071571)", on: connection, doing: action)
            try run(
                "CREATE TABLE IF NOT EXISTS ecl_log_migrations (id TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                on: connection, doing: action)
            let applied = try run("SELECT id FROM ecl_log_migrations", on: connection, doing: action)
            let done = Set(applied.rows.compactMap { try? $0.decode(String.self) })
            for migration in Self.migrations where !done.contains(migration.id) {
                for statement in migration.statements {
                    try run(PostgresQuery(unsafeSQL: statement), on: connection, doing: action)
                }
                var binds = PostgresBindings()
                binds.append(migration.id)
                try run(PostgresQuery(unsafeSQL: "INSERT INTO ecl_log_migrations (id) VALUES ($1)", binds: binds), on: connection, doing: action)
            }
        }
    }
}
#endif
