/** The version directory's rules: which side-by-side versions stay, which retire, and when. */
package dev.gantry.core.version;
