<?php
/**
 * Akismet index
 */
