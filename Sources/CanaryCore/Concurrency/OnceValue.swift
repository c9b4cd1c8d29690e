import Synchronization

/// A value set once and awaited by any number of tasks (e.g. the ports a
/// server bound, which tests and the demo need before they can connect).
public final class OnceValue<Value: Sendable>: Sendable {
    private enum State {
        case waiting([CheckedContinuation<Value?, Never>])
        case set(Value?)
    }

    private let state = Mutex<State>(.waiting([]))

    public init() {}

    /// Sets the value (nil = it will never come) and wakes the waiters;
    /// later calls are ignored.
    public func set(_ value: Value?) {
        let waiters: [CheckedContinuation<Value?, Never>] = state.withLock { state in
            guard case .waiting(let waiters) = state else { return [] }
            state = .set(value)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    /// The value once set; nil if it was set to nil (the producer failed).
    public func wait() async -> Value? {
        await withCheckedContinuation { continuation in
            let ready: Value?? = state.withLock { state in
                switch state {
                case .waiting(var waiters):
                    waiters.append(continuation)
                    state = .waiting(waiters)
                    return .none
                case .set(let value):
                    return .some(value)
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
