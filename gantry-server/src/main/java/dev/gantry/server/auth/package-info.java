/** Bearer-token authentication, role checks, and the recording of refused requests. */
package dev.gantry.server.auth;
