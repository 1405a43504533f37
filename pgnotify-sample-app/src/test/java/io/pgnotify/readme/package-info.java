/**
 * The Java snippets of the root README.md, compiled with the build; {@code ReadmeSnippetsTests} checks that every
 * snippet still appears here. Outside {@code io.pgnotify.sample}, so the sample's component scan never picks them up.
 */
@NullMarked
package io.pgnotify.readme;

import org.jspecify.annotations.NullMarked;
