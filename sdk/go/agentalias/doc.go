// Agent aliases: stable names in front of AI agents, with routing rules and sticky weighted splits.
package agentalias
