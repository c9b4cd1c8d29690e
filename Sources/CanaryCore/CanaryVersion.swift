/// The version printed by `canary --version` and announced in `Hello`.
public enum CanaryVersion {
    public static let string = "0.1.0"
}
