package dev.wheelfarm.builds;

import java.time.Instant;

/**
 * One step of a build's timeline, written by the database on every state change.
 *
 * @param fromState the state it left ({@code null} for the first event)
 * @param toState the state it entered
 * @param reason why
 * @param at when
 * @param requestedBy the maintainer whose rebuild request made this step, if one did
 */
public record BuildEvent(BuildState fromState, BuildState toState, String reason, Instant at,
		RebuildRequester requestedBy) {

}
