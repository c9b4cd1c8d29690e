import CanaryAPI
import CanaryCore
import Synchronization

/// What the read paths (`GET /api/v1/rollouts`, `/healthz`, `/metrics`)
/// show of the rollouts, kept apart from the state machines: one view per
/// rollout, with its JSON already encoded. The engine updates it after each
/// committed snapshot; a restarted coordinator loads it from the journal's
/// `viewJSON` column. Reading it never decodes a machine, never touches
/// SQLite and never waits for the engine actor, so its cost does not grow
/// with the machines' histograms and scrapes cannot delay acks.
public final class RolloutReadModel: Sendable {
    private struct Row: Sendable {
        let view: RolloutView
        let json: String
    }

    private struct State: Sendable {
        var rows: [String: Row] = [:]
        /// Ids newest first (by creation time, then id).
        var order: [String] = []
        /// Bumped by every update, so a list built meanwhile is not cached.
        var version = 0
        /// The list response, rebuilt on the first read after a change.
        var listJSON: String?
        /// Ids that may still be current (in progress, or finished recently):
        /// what `/metrics` walks, so a scrape costs the current rollouts,
        /// not the history. Pruned by ``current(sinceMs:)``.
        var recent: Set<String> = []
        /// The oldest `sinceMs` pruned for: an older ask rescans everything.
        var prunedBeforeMs = Int64.min
    }

    private let state = Mutex(State())

    public init() {}

    /// Records a rollout's latest view (`json` when already encoded).
    func update(_ view: RolloutView, json: String? = nil) {
        let row = Row(view: view, json: json ?? CoordinatorEngine.json(view))
        state.withLock { state in
            if state.rows.updateValue(row, forKey: view.id) == nil {
                let index = state.order.firstIndex { id in
                    guard let other = state.rows[id]?.view else { return true }
                    return (other.createdMs, other.id) < (view.createdMs, view.id)
                } ?? state.order.endIndex
                state.order.insert(view.id, at: index)
            }
            state.recent.insert(view.id)
            state.version += 1
            state.listJSON = nil
        }
    }

    /// Every rollout, newest first.
    public func views() -> [RolloutView] {
        state.withLock { state in state.order.compactMap { state.rows[$0]?.view } }
    }

    public func view(id: String) -> RolloutView? {
        state.withLock { $0.rows[id]?.view }
    }

    /// One page of the list: rollouts in progress first, then finished ones,
    /// each newest first; `total` counts them all. The stored encodings are
    /// spliced together, so a page costs its own size, not the history's,
    /// and the first page is kept until something changes.
    public func listJSON(offset: Int = 0, limit: Int = RolloutReadModel.defaultPageSize) -> (json: String, total: Int) {
        let isFirstPage = offset == 0 && limit == Self.defaultPageSize
        // Joined outside the lock: the engine's updates never wait for a list being built.
        let (cached, parts, total, version) = state.withLock { state -> (String?, [String], Int, Int) in
            let total = state.order.count
            if isFirstPage, let cached = state.listJSON { return (cached, [], total, state.version) }
            var active: [String] = [], finished: [String] = []
            for id in state.order {
                guard let row = state.rows[id] else { continue }
                if !row.view.phase.isTerminal { active.append(row.json) } else if finished.count < offset + limit { finished.append(row.json) }
            }
            let page = (active + finished).dropFirst(offset).prefix(limit)
            return (nil, Array(page), total, state.version)
        }
        if let cached { return (cached, total) }
        let json = "[" + parts.joined(separator: ",") + "]"
        if isFirstPage {
            state.withLock { state in
                if state.version == version { state.listJSON = json }
            }
        }
        return (json, total)
    }

    /// What `GET /api/v1/rollouts` returns without `limit`, and the most it takes.
    public static let defaultPageSize = 50
    public static let maxPageSize = 1_000

    /// Rollouts in progress, and finished ones updated at or after `sinceMs`,
    /// newest first. Walks only the ids that were current at the last call
    /// (plus those updated since): a finished rollout older than `sinceMs`
    /// is dropped from that set for good, as `sinceMs` only moves forward
    /// for a caller that passes "now minus a span".
    public func current(sinceMs: Int64) -> [RolloutView] {
        state.withLock { state in
            if sinceMs < state.prunedBeforeMs { state.recent = Set(state.order) }
            state.prunedBeforeMs = sinceMs
            var views: [RolloutView] = []
            for id in state.recent {
                guard let row = state.rows[id] else { state.recent.remove(id); continue }
                if row.view.phase.isTerminal && row.view.updatedMs < sinceMs {
                    state.recent.remove(id)
                } else {
                    views.append(row.view)
                }
            }
            return views.sorted { ($0.createdMs, $0.id) > ($1.createdMs, $1.id) }
        }
    }

    public var activeCount: Int {
        state.withLock { state in state.rows.values.reduce(0) { $0 + ($1.view.phase.isTerminal ? 0 : 1) } }
    }
}
