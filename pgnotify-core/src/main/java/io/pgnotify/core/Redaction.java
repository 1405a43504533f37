package io.pgnotify.core;

import java.util.regex.Pattern;

/** Keeps credentials out of messages: URLs are shown without user, password or query parameters. */
final class Redaction {

    private static final Pattern USER_INFO = Pattern.compile("//[^/@?]*@");

    private Redaction() {}

    static String url(String url) {
        String withoutQuery = url.indexOf('?') >= 0 ? url.substring(0, url.indexOf('?')) : url;
        return USER_INFO.matcher(withoutQuery).replaceFirst("//");
    }
}
