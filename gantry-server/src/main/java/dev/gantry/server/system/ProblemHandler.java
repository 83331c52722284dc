package dev.gantry.server.system;

import dev.gantry.core.account.AccountCommands.Refusal;
import dev.gantry.server.auth.ApiException;
import dev.gantry.server.auth.AuthenticationFilter;
import dev.gantry.server.auth.Principal;
import dev.gantry.server.auth.RefusalRecorder;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Every error leaves as an RFC 9457 problem with a sentence a user can act on; 4xx answers are also
 * recorded as {@code request.refused} ledger events naming the caller. Internal errors are logged and
 * answered without internals.
 */
@RestControllerAdvice
@org.springframework.core.annotation.Order(org.springframework.core.Ordered.HIGHEST_PRECEDENCE)
class ProblemHandler {
  private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

  private final RefusalRecorder refusals;

  ProblemHandler(RefusalRecorder refusals) {
    this.refusals = refusals;
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ProblemDetail> handle(Exception e, HttpServletRequest req) {
    int status;
    String code;
    String detail;
    java.util.Map<String, Object> extensions = java.util.Map.of();
    switch (e) {
      case ApiException a -> {
        status = a.status();
        code = a.code();
        detail = a.getMessage();
        extensions = a.extensions();
      }
      case Refusal r -> {
        status = r.status();
        code = r.code();
        detail = r.getMessage();
      }
      case HttpMessageNotReadableException n when tooLarge(n) -> {
        status = 413;
        code = "payload-too-large";
        detail = tooLargeMessage(n);
      }
      case HttpMessageNotReadableException n -> {
        status = 400;
        code = "malformed-request";
        detail = "the request body could not be read";
      }
      case TypeMismatchException t -> {
        status = 400;
        code = "bad-parameter";
        detail = "parameter '" + t.getPropertyName() + "': '" + t.getValue() + "' is not a valid "
            + (t.getRequiredType() == null ? "value" : t.getRequiredType().getSimpleName().toLowerCase());
      }
      case org.springframework.web.servlet.resource.NoResourceFoundException nf -> {
        status = 404;
        code = "not-found";
        detail = "no such endpoint: " + req.getMethod() + " " + req.getRequestURI() + " (see /api/v1/openapi.json)";
      }
      case ErrorResponse er -> {
        status = er.getStatusCode().value();
        HttpStatus hs = HttpStatus.resolve(status);
        code = hs == null ? "bad-request" : hs.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        detail = er.getBody().getDetail() == null ? er.getStatusCode().toString() : er.getBody().getDetail();
      }
      case IllegalArgumentException i -> {
        status = 400;
        code = "bad-request";
        detail = i.getMessage();
      }
      default -> {
        log.error("internal error on {} {}", req.getMethod(), req.getRequestURI(), e);
        status = 500;
        code = "internal";
        detail = "internal error; the server log has the details";
      }
    }
    if (status >= 400 && status < 500) {
      Object p = req.getAttribute(Principal.ATTRIBUTE);
      String who = p instanceof Principal pr ? pr.account() : Principal.ANONYMOUS;
      refusals.record(who, req.getMethod(), req.getRequestURI(), status, detail);
    }
    ProblemDetail problem = Problems.of(status, code, detail, req.getRequestURI());
    extensions.forEach(problem::setProperty);
    return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
  }

  private static boolean tooLarge(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof AuthenticationFilter.TooLarge) {
        return true;
      }
    }
    return false;
  }

  private static String tooLargeMessage(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof AuthenticationFilter.TooLarge) {
        return c.getMessage();
      }
    }
    return "request body too large";
  }
}
