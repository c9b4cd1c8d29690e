import CanaryCore

/// The recent past of every version the coordinator counts, kept so a
/// rollout can start with its baseline's reference (`baseline_interference`,
/// Judge+Interference.swift): the agents report all the time, rollout or
/// not, so the windows of the period before a start are already here.
///
/// Per (model, version), windows are merged exactly into slots by the
/// second they were counted in (run clock); older slots merge into wider
/// ones, each at most a fifth of its age wide, and slots older than
/// ``Guard/maxReferenceMs`` go. Memory is bounded by that period, not by
/// traffic: about 40 merged windows (about 20 KB each at the fleet's
/// histogram settings) per version. Not journaled: a restarted
/// coordinator starts with none, and a rollout it starts at once says so
/// in its evidence; a rollout started before keeps its reference in its
/// own journaled state.
struct BaselineReferences: Sendable {
    struct Key: Hashable, Sendable {
        let model: String
        let version: String
    }

    struct Slot: Sendable {
        /// Run-clock ms of the slot's first and last window.
        var firstMs: Int64
        var lastMs: Int64
        var window: Window
    }

    private var slots: [Key: [Slot]] = [:]

    /// A counted window of any version, at run-clock `ms`.
    mutating func add(_ window: Window, atMs ms: Int64) {
        // In place: the dictionary's slot list is not copied per window.
        Self.add(window, atMs: ms, to: &slots[Key(model: window.model, version: window.version), default: []])
    }

    private static func add(_ window: Window, atMs ms: Int64, to list: inout [Slot]) {
        if let last = list.last, last.firstMs / 1_000 == ms / 1_000, let merged = try? last.window.merged(with: window) {
            list[list.count - 1] = Slot(firstMs: last.firstMs, lastMs: max(last.lastMs, ms), window: merged)
        } else {
            list.append(Slot(firstMs: ms, lastMs: ms, window: window))
        }
        list.removeAll { ms - $0.lastMs > Guard.maxReferenceMs }
        // Neighbours merge while their joint span stays within a fifth of
        // their age: a period's edge is placed to 20 % of how far back it
        // lies, whether the plan asks 5 m or (fast-forwarded) 3 s.
        var i = 0
        while i + 1 < list.count {
            let (a, b) = (list[i], list[i + 1])
            if b.lastMs - a.firstMs <= (ms - b.lastMs) / 5, let merged = try? a.window.merged(with: b.window) {
                list[i] = Slot(firstMs: a.firstMs, lastMs: b.lastMs, window: merged)
                list.remove(at: i + 1)
            } else {
                i += 1
            }
        }
    }

    /// The version's windows counted within the `askedMs` before `nowMs`,
    /// merged, and how long they span (a slot counts when it began within
    /// the period, so the span is at most what was asked and, once the
    /// coordinator has run that long, at least about four fifths of it).
    func reference(model: String, version: String, askedMs: Int64, nowMs: Int64) -> BaselineReference {
        let inside = (slots[Key(model: model, version: version)] ?? []).filter { $0.firstMs >= nowMs - askedMs }
        var merged: Window?
        for slot in inside {
            merged = merged.map { (try? $0.merged(with: slot.window)) ?? $0 } ?? slot.window
        }
        // The windows' own intervals (the agents' clocks) say what they
        // cover; a window's start precedes its counting by its length.
        let span = merged.map { max(0, $0.endMs - $0.startMs) } ?? 0
        return BaselineReference(window: merged, askedMs: askedMs, coveredMs: min(askedMs, span))
    }

    /// An evicted model (or some of its versions): its past goes.
    mutating func forget(model: String, versions: [String]) {
        for version in versions { slots[Key(model: model, version: version)] = nil }
    }
}
