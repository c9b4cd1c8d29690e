import CanaryAPI
import Foundation

extension EventView {
    /// A journal event as the API shows it, its stored JSON payload parsed
    /// back into a value (a payload that does not parse is shown as text).
    init(_ record: EventRecord) {
        let payload = (try? JSONDecoder().decode(JSONValue.self, from: Data(record.payloadJSON.utf8))) ?? .string(record.payloadJSON)
        self.init(id: record.id, rolloutID: record.rolloutID, tMs: record.tMs, kind: record.kind, action: record.action,
                  reason: record.reason, payload: payload)
    }
}
