package io.pgnotify.core.durable;

/** Where a group seen for the first time starts. */
public enum StartFrom {
    /** After the last message committed when the group is created: only new messages. */
    LATEST,
    /** At the oldest message still retained. */
    EARLIEST
}
