<?php
/**
 * Minimal stand-in for Joomla's libraries/src/Version.php, written for demarc's tests.
 */
namespace Joomla\CMS;

final class Version
{
    public const PRODUCT = 'Joomla!';
    public const MAJOR_VERSION = 5;
    public const MINOR_VERSION = 1;
    public const PATCH_VERSION = 4;
    public const EXTRA_VERSION = '';
    public const RELEASE = '5.1';
}
